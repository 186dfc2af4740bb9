"""Gateway settings, read once from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from common.config import Env, as_bool, as_size


@dataclass(frozen=True)
class Settings:
    identity_url: str
    tickets_url: str
    secret_key: str
    public_url: str | None = None
    dev_mailbox: str | None = None
    # Where /dev/mail's "reply as the recipient" writes its .eml files (make run's var/mail-in).
    dev_mail_in: str | None = None
    port: int = 8080
    session_cookie_secure: bool = True
    # Number of reverse proxies in front of the gateway whose X-Forwarded-* headers are trusted.
    trusted_proxies: int = 0
    upstream_timeout: float = 30.0
    exchange_cache_seconds: int = 60
    # Largest request body accepted (uploads included): at least the tickets service's upload limit.
    max_body_bytes: int = 110 * 1024**2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build the settings from ``environ`` (``os.environ`` by default); missing required keys fail loudly."""
        env = Env(environ=environ)
        public_url = env("PUBLIC_URL", default=None) or None
        secure_default = not (public_url or "").startswith("http://")
        return cls(
            identity_url=env("IDENTITY_URL").rstrip("/"),
            tickets_url=env("TICKETS_URL").rstrip("/"),
            secret_key=env("SECRET_KEY"),
            public_url=public_url.rstrip("/") if public_url else None,
            dev_mailbox=env("DEV_MAILBOX", default=None) or None,
            dev_mail_in=env("DEV_MAIL_IN", default=None) or None,
            port=env("PORT", cast=int, default=8080),
            session_cookie_secure=env("SESSION_COOKIE_SECURE", cast=as_bool, default=secure_default),
            trusted_proxies=env("TRUSTED_PROXIES", cast=int, default=0),
            upstream_timeout=env("UPSTREAM_TIMEOUT", cast=float, default=30.0),
            max_body_bytes=env("MAX_BODY_SIZE", cast=as_size, default=110 * 1024**2),
        )
