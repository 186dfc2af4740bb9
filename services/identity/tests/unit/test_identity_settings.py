import pytest

from common.config import ConfigError
from identity.settings import Settings


def test_a_missing_signing_key_fails_naming_it():
    with pytest.raises(ConfigError, match="JWT_PRIVATE_KEY_FILE"):
        Settings.from_env({"DATABASE_URL": "sqlite://"})


def test_reads_the_environment_with_defaults(tmp_path):
    key = tmp_path / "key.pem"
    key.write_bytes(b"pem")
    settings = Settings.from_env({"IDENTITY_DATABASE_URL": "sqlite:///x.db", "DATABASE_URL": "sqlite:///y.db",
                                  "JWT_PRIVATE_KEY_FILE": str(key), "SIGNUP_ENABLED": "false"})
    assert settings.database_url == "sqlite:///x.db"
    assert settings.public_url == "http://127.0.0.1:8080"
    assert settings.access_token_ttl == 900
    assert settings.signup_enabled is False
    assert settings.redis_url is None
    assert settings.link("/portal/invitation", "abc") == "http://127.0.0.1:8080/portal/invitation?token=abc"
    assert settings.refresh_reuse_grace == 30


def test_the_worker_runs_without_a_signing_key():
    settings = Settings.from_env({"DATABASE_URL": "sqlite://", "REFRESH_REUSE_GRACE_SECONDS": "5"}, require_key=False)
    assert settings.private_key_pem == b"" and settings.refresh_reuse_grace == 5
