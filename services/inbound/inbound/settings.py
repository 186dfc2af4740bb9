"""Inbound settings, read once from the environment (``INBOUND_`` prefix first, then the bare name)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote, urlsplit

from common.config import ConfigError, Env, as_bool, as_list
from common.limits import LONG_TEXT

SERVICE = "inbound"
MiB = 1024 * 1024


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    folder: str

    def __repr__(self) -> str:  # never print the password
        return f"ImapConfig({'imaps' if self.tls else 'imap'}://{self.username}@{self.host}:{self.port}/{self.folder})"


def parse_imap_url(url: str) -> ImapConfig:
    """``imaps://user:password@host:993/INBOX`` (``imap://`` for plain, port 143); ValueError naming the fault."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("use imap://user:password@host:port/folder or imaps://…")
    if not parts.hostname or not parts.username:
        raise ValueError("the URL needs a host and a user name")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError as exc:
        raise ValueError("the port is not a number") from exc
    return ImapConfig(host=parts.hostname, port=port, tls=parts.scheme == "imaps",
                      username=unquote(parts.username), password=unquote(parts.password or ""),
                      folder=unquote(parts.path.lstrip("/")) or "INBOX")


def parse_listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError("use host:port, e.g. 127.0.0.1:8024")
    return host, int(port)


@dataclass(frozen=True)
class Settings:
    database_url: str
    amqp_url: str | None = None
    bus_prefix: str = ""
    max_message_bytes: int = 25 * MiB
    max_text_chars: int = LONG_TEXT
    # Authentication-Results headers are believed only when written by these hosts (your MTA).
    trusted_authserv_ids: tuple[str, ...] = ()
    imap_url: str | None = None
    imap_done_folder: str | None = None
    imap_poll_seconds: float = 60.0
    lmtp_listen: str = "127.0.0.1:8024"
    lmtp_protocol: str = "lmtp"
    mail_in_dir: str = "var/mail-in"
    folder_poll_seconds: float = 1.0
    log_level: str = "INFO"
    log_json: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from the environment; a missing or malformed key fails and names it."""
        env = Env(prefix="INBOUND_", environ=environ)
        settings = cls(
            database_url=env("DATABASE_URL"),
            amqp_url=env("AMQP_URL", default=None),
            bus_prefix=env("BUS_PREFIX", default=""),
            max_message_bytes=env("MAX_MESSAGE_BYTES", int, 25 * MiB),
            max_text_chars=env("MAX_TEXT_CHARS", int, LONG_TEXT),
            trusted_authserv_ids=tuple(i.lower() for i in env("TRUSTED_AUTHSERV_IDS", as_list, [])),
            imap_url=env("IMAP_URL", default=None) or None,
            imap_done_folder=env("IMAP_DONE_FOLDER", default=None) or None,
            imap_poll_seconds=env("IMAP_POLL_SECONDS", float, 60.0),
            lmtp_listen=env("LMTP_LISTEN", default="127.0.0.1:8024"),
            lmtp_protocol=env("LMTP_PROTOCOL", default="lmtp").lower(),
            mail_in_dir=env("MAIL_IN_DIR", default="var/mail-in"),
            folder_poll_seconds=env("FOLDER_POLL_SECONDS", float, 1.0),
            log_level=env("LOG_LEVEL", default="INFO"),
            log_json=env("LOG_JSON", as_bool, True),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail at start-up, naming the setting, rather than on the first email."""
        if self.imap_url:
            try:
                parse_imap_url(self.imap_url)
            except ValueError as exc:
                raise ConfigError(f"setting IMAP_URL has an invalid value: {exc}") from exc
        try:
            parse_listen(self.lmtp_listen)
        except ValueError as exc:
            raise ConfigError(f"setting LMTP_LISTEN has an invalid value: {exc}") from exc
        if self.lmtp_protocol not in ("lmtp", "smtp"):
            raise ConfigError("setting LMTP_PROTOCOL must be lmtp or smtp")
        if self.max_message_bytes < 1024 or self.max_text_chars < 100:
            raise ConfigError("settings MAX_MESSAGE_BYTES and MAX_TEXT_CHARS are too small")
        if self.max_text_chars > LONG_TEXT:
            # An email's text becomes a comment or a description: it is held to their limit (common.limits).
            raise ConfigError(f"setting MAX_TEXT_CHARS may not exceed {LONG_TEXT}, the longest comment")

    def require_amqp(self) -> str:
        if not self.amqp_url:
            raise ConfigError("missing required setting INBOUND_AMQP_URL or AMQP_URL")
        return self.amqp_url

    def require_imap(self):
        if not self.imap_url:
            raise ConfigError("missing required setting INBOUND_IMAP_URL or IMAP_URL (the mailbox to poll)")
        return parse_imap_url(self.imap_url)

    @property
    def exchange(self) -> str:
        return f"{self.bus_prefix}{SERVICE}.events"
