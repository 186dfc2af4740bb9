"""Notifier settings, read once from the environment (``NOTIFIER_`` prefix first, then the bare name)."""
from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Mapping

from common.bus.topology import RETRY_DELAYS
from common.config import ConfigError, Env, as_bool, as_list
from common.replytokens import secret_bytes

from .channels import parse_channel_url


def _delays(value: str) -> tuple[float, ...]:
    delays = tuple(float(item) for item in as_list(value))
    if not delays or any(d <= 0 for d in delays):
        raise ValueError("expected a comma-separated list of positive seconds, e.g. 1,5,30")
    return delays


def _seconds(value: str) -> float:
    seconds = float(value)
    if seconds <= 0:
        raise ValueError("expected a positive number of seconds")
    return seconds


def parse_mail_from(value: str) -> Address:
    """``"Service Desk <support@example.com>"`` -> Address; raise ValueError on a malformed value."""
    name, addr = parseaddr(value)
    if not addr or "@" not in addr or any(ch in value for ch in "\r\n"):
        raise ValueError(f"not an email address: {value!r}")
    username, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


@dataclass(frozen=True)
class Settings:
    database_url: str
    amqp_url: str = "memory://"
    bus_prefix: str = ""
    smtp_url: str = "var/mail"
    mail_from: str = "Service Desk <support@localhost>"
    public_url: str = "http://127.0.0.1:8080"
    smtp_timeout: float = 30.0
    # The spool (``notifier.spool``): back-off of temporary SMTP failures, how long an email is tried
    # (Postfix's maximal_queue_lifetime, five days), and after how long a row left "sending" by a
    # sender that died is taken again.
    smtp_retry_base: float = 60.0
    smtp_retry_max: float = 3600.0
    smtp_max_age: float = 5 * 24 * 3600.0
    smtp_lease: float = 600.0
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    prefetch: int = 50  # events handled per transaction at most (see worker.NotifierWorker)
    batch_wait: float = 0.02  # seconds a batch waits after its first event for more (see worker.NotifierWorker)
    smtp_sessions: int = 4  # senders per process, each with its SMTP session (PostgreSQL only; see worker)
    # The email channel: with a secret, ticket emails carry a signed Reply-To on the desk's address
    # (or REPLY_ADDRESS) and replies become comments; without one they say replies are not read.
    reply_token_secret: str | None = None
    reply_address: str | None = None
    log_level: str = "INFO"
    log_json: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from the environment; a missing or malformed key fails and names it."""
        env = Env(prefix="NOTIFIER_", environ=environ)
        settings = cls(
            database_url=env("DATABASE_URL"),
            amqp_url=env("AMQP_URL", default="memory://"),
            bus_prefix=env("BUS_PREFIX", default=""),
            smtp_url=env("SMTP_URL", default="var/mail"),
            mail_from=env("MAIL_FROM", default="Service Desk <support@localhost>"),
            public_url=env("PUBLIC_URL", default="http://127.0.0.1:8080").rstrip("/"),
            smtp_timeout=env("SMTP_TIMEOUT", float, 30.0),
            smtp_retry_base=env("SMTP_RETRY_BASE", _seconds, 60.0),
            smtp_retry_max=env("SMTP_RETRY_MAX", _seconds, 3600.0),
            smtp_max_age=env("SMTP_MAX_AGE", _seconds, 5 * 24 * 3600.0),
            smtp_lease=env("SMTP_LEASE", _seconds, 600.0),
            retry_delays=env("RETRY_DELAYS", _delays, RETRY_DELAYS),
            prefetch=env("PREFETCH", int, 50),
            batch_wait=env("BATCH_WAIT", float, 0.02),
            smtp_sessions=env("SMTP_SESSIONS", int, 4),
            reply_token_secret=env("REPLY_TOKEN_SECRET", default=None) or None,
            reply_address=env("REPLY_ADDRESS", default=None) or None,
            log_level=env("LOG_LEVEL", default="INFO"),
            log_json=env("LOG_JSON", as_bool, True),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail at start-up, naming the setting, rather than on the first email."""
        try:
            parse_channel_url(self.smtp_url)
        except ValueError as exc:
            raise ConfigError(f"setting SMTP_URL has an invalid value: {exc}") from exc
        try:
            parse_mail_from(self.mail_from)
        except ValueError as exc:
            raise ConfigError(f"setting MAIL_FROM has an invalid value: {exc}") from exc
        if self.reply_token_secret:
            try:
                secret_bytes(self.reply_token_secret)
            except ValueError as exc:
                raise ConfigError(f"setting REPLY_TOKEN_SECRET has an invalid value: {exc}") from exc
        if self.reply_address:
            try:
                parse_mail_from(self.reply_address)
            except ValueError as exc:
                raise ConfigError(f"setting REPLY_ADDRESS has an invalid value: {exc}") from exc
        if self.smtp_sessions < 1:
            raise ConfigError(f"setting SMTP_SESSIONS must be at least 1, got {self.smtp_sessions}")
        if not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"setting PUBLIC_URL must start with http:// or https://, got {self.public_url!r}")

    @property
    def spool_policy(self):
        from .spool import SpoolPolicy

        return SpoolPolicy(retry_base=self.smtp_retry_base, retry_max=self.smtp_retry_max,
                           max_age=self.smtp_max_age, lease=self.smtp_lease)

    @property
    def sender(self) -> Address:
        return parse_mail_from(self.mail_from)

    @property
    def replies(self):
        """Who signs reply addresses (None when replies are not read)."""
        if not self.reply_token_secret:
            return None
        from .domain.replies import ReplyAddresses

        fallback = self.reply_address or self.mail_from
        return ReplyAddresses(secret_bytes(self.reply_token_secret), parse_mail_from(fallback).addr_spec)
