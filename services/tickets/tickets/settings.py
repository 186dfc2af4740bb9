"""Settings of the tickets service, read once from the environment."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from common.config import ConfigError, Env, as_bool
from common.replytokens import secret_bytes

from .attachments.settings import AttachmentSettings

SERVICE = "tickets"


@dataclass(frozen=True)
class Settings:
    database_url: str
    public_url: str = "http://127.0.0.1:8080"
    amqp_url: str | None = None
    bus_prefix: str = ""
    jwt_public_key_file: str | None = None
    jwt_jwks_url: str | None = None
    # The email channel: the secret the notifier signs reply tags with (common.replytokens), and
    # how many automatic answers (refusals, acknowledgements) one sender gets per hour.
    reply_token_secret: str | None = None
    mail_answers_per_hour: int = 3
    log_level: str = "INFO"
    log_json: bool = True
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    invites_per_customer: int = 10
    invites_per_desk: int = 100
    invite_window: int = 24 * 3600
    # Where accounts and organisations the replica lacks are read through (tickets.readthrough).
    identity_url: str | None = None
    # Database connections kept open per process: at least one per gunicorn thread, or the
    # connections beyond the pool are opened and closed around every request.
    db_pool_size: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, require_jwt: bool = True) -> "Settings":
        """Read the settings; a missing database URL or token key fails here and names the variable.

        The relay and the worker verify no tokens, so they pass ``require_jwt=False``.
        """
        env = Env(prefix="TICKETS_", environ=environ)
        settings = cls(
            database_url=env("DATABASE_URL"),
            public_url=env("PUBLIC_URL", default="http://127.0.0.1:8080").rstrip("/"),
            amqp_url=env("AMQP_URL", default=None),
            bus_prefix=env("BUS_PREFIX", default=""),
            jwt_public_key_file=env("JWT_PUBLIC_KEY_FILE", default=None),
            jwt_jwks_url=env("JWT_JWKS_URL", default=None),
            reply_token_secret=env("REPLY_TOKEN_SECRET", default=None) or None,
            mail_answers_per_hour=env("MAIL_ANSWERS_PER_HOUR", int, 3),
            log_level=env("LOG_LEVEL", default="INFO"),
            log_json=env("LOG_JSON", cast=as_bool, default=True),
            attachments=AttachmentSettings.from_env(env),
            invites_per_customer=env("PARTICIPANT_INVITES_PER_CUSTOMER", int, 10),
            invites_per_desk=env("PARTICIPANT_INVITES_PER_DESK", int, 100),
            invite_window=env("PARTICIPANT_INVITE_WINDOW", int, 24 * 3600),
            identity_url=env("IDENTITY_URL", default=None) or None,
            db_pool_size=env("DB_POOL_SIZE", int, 10),
        )
        if require_jwt and not settings.jwt_public_key_file and not settings.jwt_jwks_url:
            raise ConfigError("missing required setting JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL "
                              "(how the tickets service verifies access tokens)")
        if settings.reply_token_secret:
            try:
                secret_bytes(settings.reply_token_secret)
            except ValueError as exc:
                raise ConfigError(f"setting REPLY_TOKEN_SECRET has an invalid value: {exc}") from exc
        return settings

    def require_amqp(self) -> str:
        """The broker URL, or a ConfigError naming AMQP_URL for processes that need the bus."""
        if not self.amqp_url:
            raise ConfigError("missing required setting TICKETS_AMQP_URL or AMQP_URL")
        return self.amqp_url

    @property
    def exchange(self) -> str:
        """The exchange the relay publishes ticket events to."""
        return f"{self.bus_prefix}{SERVICE}.events"
