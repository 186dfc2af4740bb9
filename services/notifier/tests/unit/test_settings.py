import pytest

from common.config import ConfigError
from notifier.settings import Settings


def test_defaults():
    s = Settings.from_env({"DATABASE_URL": "sqlite://"})
    assert s.mail_from == "Service Desk <support@localhost>"
    assert s.sender.addr_spec == "support@localhost" and s.sender.display_name == "Service Desk"
    assert s.public_url == "http://127.0.0.1:8080"
    assert s.smtp_url == "var/mail" and s.amqp_url == "memory://" and s.bus_prefix == ""


def test_prefixed_database_url_wins():
    s = Settings.from_env({"DATABASE_URL": "sqlite:///a", "NOTIFIER_DATABASE_URL": "sqlite:///b"})
    assert s.database_url == "sqlite:///b"


def test_missing_database_url_names_the_key():
    with pytest.raises(ConfigError, match="NOTIFIER_DATABASE_URL or DATABASE_URL"):
        Settings.from_env({})


@pytest.mark.parametrize("key, value", [
    ("SMTP_URL", "http://mail"), ("MAIL_FROM", "not an address"), ("PUBLIC_URL", "ftp://x"),
    ("RETRY_DELAYS", "1,-2"), ("SMTP_TIMEOUT", "soon"),
])
def test_malformed_values_fail_at_start_and_name_the_key(key, value):
    with pytest.raises(ConfigError, match=key):
        Settings.from_env({"DATABASE_URL": "sqlite://", key: value})


def test_retry_delays_and_public_url():
    s = Settings.from_env({"DATABASE_URL": "sqlite://", "RETRY_DELAYS": "0.5, 2", "PUBLIC_URL": "https://desk.example/"})
    assert s.retry_delays == (0.5, 2.0) and s.public_url == "https://desk.example"
