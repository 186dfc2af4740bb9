import pytest

from common.config import ConfigError
from tickets.settings import Settings


def test_the_service_prefix_wins_over_the_shared_variable():
    s = Settings.from_env({"TICKETS_DATABASE_URL": "sqlite:///a", "DATABASE_URL": "sqlite:///b",
                           "JWT_JWKS_URL": "http://identity/jwks"})
    assert s.database_url == "sqlite:///a"


def test_a_missing_token_key_names_both_variables():
    with pytest.raises(ConfigError, match="JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL"):
        Settings.from_env({"DATABASE_URL": "sqlite:///a"})


def test_a_missing_database_url_names_it():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"JWT_JWKS_URL": "http://x"})


def test_the_bus_is_required_only_where_it_is_used():
    s = Settings.from_env({"DATABASE_URL": "sqlite:///a"}, require_jwt=False)
    with pytest.raises(ConfigError, match="AMQP_URL"):
        s.require_amqp()
    assert Settings.from_env({"DATABASE_URL": "sqlite:///a", "BUS_PREFIX": "t1."}, require_jwt=False).exchange \
        == "t1.tickets.events"


def test_attachment_settings_default_to_the_database_with_sane_limits():
    s = Settings.from_env({"DATABASE_URL": "sqlite:///a"}, require_jwt=False).attachments
    assert (s.storage, s.max_file_bytes, s.max_request_bytes, s.max_files) == ("database", 25 * 2**20, 100 * 2**20, 60)
    assert s.temporary_ttl_seconds == 3600 and s.clamd_url is None


def test_attachment_settings_take_sizes_and_name_what_a_backend_misses():
    s = Settings.from_env({"DATABASE_URL": "sqlite:///a", "ATTACHMENT_MAX_FILE_SIZE": "10M",
                           "TICKETS_ATTACHMENT_STORAGE": "S3", "ATTACHMENT_S3_BUCKET": "files"},
                          require_jwt=False).attachments
    assert s.max_file_bytes == 10 * 2**20 and s.storage == "s3" and s.s3_bucket == "files"
    with pytest.raises(ConfigError, match="ATTACHMENT_S3_BUCKET"):
        Settings.from_env({"DATABASE_URL": "sqlite:///a", "ATTACHMENT_STORAGE": "s3"}, require_jwt=False)
    with pytest.raises(ConfigError, match="ATTACHMENT_FOLDER"):
        Settings.from_env({"DATABASE_URL": "sqlite:///a", "ATTACHMENT_STORAGE": "folder"}, require_jwt=False)
    with pytest.raises(ConfigError, match="ATTACHMENT_STORAGE must be one of"):
        Settings.from_env({"DATABASE_URL": "sqlite:///a", "ATTACHMENT_STORAGE": "ftp"}, require_jwt=False)
    with pytest.raises(ConfigError, match="ATTACHMENT_MAX_FILE_SIZE"):
        Settings.from_env({"DATABASE_URL": "sqlite:///a", "ATTACHMENT_MAX_FILE_SIZE": "lots"}, require_jwt=False)
