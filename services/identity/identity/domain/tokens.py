"""Secrets sent by email or handed to clients: 256 random bits, stored only as a SHA-256 hash."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from .errors import TokenRejected

INVITE, SIGNUP, RESET = "invite", "signup", "reset"
PURPOSES = (INVITE, SIGNUP, RESET)
API_TOKEN_PREFIX = "sdt_"


def new_secret() -> str:
    """A fresh URL-safe secret of 32 random bytes."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """A fresh API token; the prefix makes leaked tokens easy to recognise in scanners and logs."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The stored form of a secret (a secret this long needs no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def require_secret(secret: object) -> str:
    """Return the secret, or raise TokenRejected("empty") so an empty value can never match a row."""
    if not isinstance(secret, str) or not secret.strip():
        raise TokenRejected("empty")
    return secret.strip()


@dataclass
class OneTimeToken:
    """A single-use emailed token (invitation, sign-up verification or password reset)."""

    account_id: str
    purpose: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    def state(self, now: datetime) -> str:
        """One of valid, used, revoked, expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if now >= _aware(self.expires_at, now):
            return "expired"
        return "valid"

    def redeem(self, now: datetime, purpose: str) -> None:
        """Mark the token used, or raise TokenRejected when it cannot be used for ``purpose``."""
        if self.purpose != purpose:
            raise TokenRejected("unknown")
        state = self.state(now)
        if state != "valid":
            raise TokenRejected(state)
        self.used_at = now

    def revoke(self, now: datetime) -> None:
        if self.used_at is None and self.revoked_at is None:
            self.revoked_at = now


@dataclass
class RefreshToken:
    """One link of a rotating refresh-token family; reusing a rotated link revokes the family."""

    id: str
    account_id: str
    family_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def check(self, now: datetime) -> None:
        """Raise TokenRejected unless this link may be exchanged now (``used`` signals a reuse)."""
        if self.revoked_at is not None:
            raise TokenRejected("revoked")
        if self.used_at is not None:
            raise TokenRejected("used")
        if now >= _aware(self.expires_at, now):
            raise TokenRejected("expired")


@dataclass
class ApiToken:
    """A long-lived token for HTTP Basic (email + token), shown once at creation."""

    id: str
    account_id: str
    label: str
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None = None


def _aware(moment: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes; they are stored in UTC.
    if moment.tzinfo is None and like.tzinfo is not None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment
