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
