import pytest

from common.config import ConfigError
from inbound.settings import Settings, parse_imap_url


def test_settings_read_the_inbound_prefix_first():
    s = Settings.from_env({"INBOUND_DATABASE_URL": "sqlite:///x.db", "DATABASE_URL": "sqlite:///y.db",
                           "TRUSTED_AUTHSERV_IDS": "MX1.example.com, mx2.example.com", "LMTP_LISTEN": "0.0.0.0:24"})
    assert s.database_url == "sqlite:///x.db"
    assert s.trusted_authserv_ids == ("mx1.example.com", "mx2.example.com")
    assert s.exchange == "inbound.events"


def test_imap_urls_give_host_port_tls_user_and_folder_and_hide_the_password():
    cfg = parse_imap_url("imaps://desk%40example.com:s%3Acret@imap.example.com/Support%20Inbox")
    assert (cfg.host, cfg.port, cfg.tls, cfg.username, cfg.password, cfg.folder) == (
        "imap.example.com", 993, True, "desk@example.com", "s:cret", "Support Inbox")
    assert "s:cret" not in repr(cfg)
    assert parse_imap_url("imap://u:p@localhost").port == 143 and parse_imap_url("imap://u:p@h").folder == "INBOX"


@pytest.mark.parametrize("env,name", [({"IMAP_URL": "pop3://h"}, "IMAP_URL"), ({"LMTP_LISTEN": "nowhere"}, "LMTP_LISTEN"),
                                      ({"LMTP_PROTOCOL": "http"}, "LMTP_PROTOCOL"), ({}, "DATABASE_URL")])
def test_a_bad_setting_fails_at_start_naming_it(env, name):
    base = {} if name == "DATABASE_URL" else {"DATABASE_URL": "sqlite:///x.db"}
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({**base, **env})
