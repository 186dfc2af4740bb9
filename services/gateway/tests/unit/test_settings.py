import pytest

from common.config import ConfigError
from gateway.settings import Settings

REQUIRED = {"IDENTITY_URL": "http://identity:8000/", "TICKETS_URL": "http://tickets:8000", "SECRET_KEY": "s"}


def test_reads_required_and_defaults():
    settings = Settings.from_env(REQUIRED)

    assert settings.identity_url == "http://identity:8000"
    assert settings.tickets_url == "http://tickets:8000"
    assert settings.port == 8080
    assert settings.dev_mailbox is None
    assert settings.session_cookie_secure is True


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_a_missing_required_setting_is_named(missing):
    environ = {k: v for k, v in REQUIRED.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        Settings.from_env(environ)


def test_plain_http_public_url_turns_secure_cookies_off():
    settings = Settings.from_env({**REQUIRED, "PUBLIC_URL": "http://127.0.0.1:8080/"})
    assert settings.session_cookie_secure is False
    assert settings.public_url == "http://127.0.0.1:8080"


def test_https_public_url_keeps_secure_cookies_and_explicit_value_wins():
    assert Settings.from_env({**REQUIRED, "PUBLIC_URL": "https://desk.example.com"}).session_cookie_secure
    assert not Settings.from_env({**REQUIRED, "SESSION_COOKIE_SECURE": "false"}).session_cookie_secure


def test_optional_values():
    settings = Settings.from_env({**REQUIRED, "DEV_MAILBOX": "/tmp/mail", "PORT": "9090", "TRUSTED_PROXIES": "1"})
    assert (settings.dev_mailbox, settings.port, settings.trusted_proxies) == ("/tmp/mail", 9090, 1)


def test_bad_port_is_reported():
    with pytest.raises(ConfigError, match="PORT"):
        Settings.from_env({**REQUIRED, "PORT": "eighty"})
