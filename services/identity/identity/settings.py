"""Identity settings, read once from the environment (``IDENTITY_`` prefix first, then the bare name)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from common.config import ConfigError, Env, as_bool


@dataclass(frozen=True)
class Settings:
    database_url: str
    amqp_url: str
    private_key_pem: bytes
    bus_prefix: str = ""
    public_url: str = "http://127.0.0.1:8080"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 14 * 24 * 3600
    invitation_ttl: int = 7 * 24 * 3600
    signup_ttl: int = 24 * 3600
    reset_ttl: int = 3600
    signup_enabled: bool = True
    redis_url: str | None = None
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456
    argon2_parallelism: int = 1
    trusted_proxies: int = 1
    login_limit: int = 10
    forgot_limit: int = 5
    signup_limit: int = 5
    address_limit: int = 50
    limit_window: int = 900
    refresh_reuse_grace: int = 30

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, require_key: bool = True) -> "Settings":
        """Build settings from the environment; a missing required key fails and names it.

        The worker signs no access tokens, so it may run without ``JWT_PRIVATE_KEY_FILE`` (``require_key=False``).
        """
        env = Env(prefix="IDENTITY_", environ=environ)
        key_file = env("JWT_PRIVATE_KEY_FILE") if require_key else env("JWT_PRIVATE_KEY_FILE", default=None)
        private_key_pem = b""
        if key_file:
            try:
                private_key_pem = Path(key_file).read_bytes()
            except OSError as exc:
                raise ConfigError(
                    f"setting JWT_PRIVATE_KEY_FILE points to an unreadable file {key_file!r}: {exc}") from exc
        return cls(
            database_url=env("DATABASE_URL"),
            amqp_url=env("AMQP_URL", default="memory://"),
            private_key_pem=private_key_pem,
            bus_prefix=env("BUS_PREFIX", default=""),
            public_url=env("PUBLIC_URL", default="http://127.0.0.1:8080").rstrip("/"),
            access_token_ttl=env("ACCESS_TOKEN_TTL", int, 900),
            refresh_token_ttl=env("REFRESH_TOKEN_TTL", int, 14 * 24 * 3600),
            signup_enabled=env("SIGNUP_ENABLED", as_bool, True),
            redis_url=env("REDIS_URL", default=None) or None,
            argon2_time_cost=env("ARGON2_TIME_COST", int, 2),
            argon2_memory_cost=env("ARGON2_MEMORY_COST", int, 19456),
            argon2_parallelism=env("ARGON2_PARALLELISM", int, 1),
            trusted_proxies=env("TRUSTED_PROXIES", int, 1),
            login_limit=env("LOGIN_RATE_LIMIT", int, 10),
            forgot_limit=env("FORGOT_RATE_LIMIT", int, 5),
            signup_limit=env("SIGNUP_RATE_LIMIT", int, 5),
            address_limit=env("ADDRESS_RATE_LIMIT", int, 50),
            limit_window=env("RATE_LIMIT_WINDOW", int, 900),
            refresh_reuse_grace=env("REFRESH_REUSE_GRACE_SECONDS", int, 30),
        )

    def link(self, path: str, token: str) -> str:
        """An emailed link: ``<PUBLIC_URL><path>?token=<token>``."""
        return f"{self.public_url}{path}?token={token}"
