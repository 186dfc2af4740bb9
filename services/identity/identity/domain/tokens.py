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
# Successors one rotated link may have within the grace window (a few tabs refreshing at once).
MAX_SIBLINGS = 5


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
    parent_id: str | None = None

    def check(self, now: datetime) -> None:
        """Raise TokenRejected unless this link may be exchanged now (``used`` signals a reuse)."""
        if self.revoked_at is not None:
            raise TokenRejected("revoked")
        if self.used_at is not None:
            raise TokenRejected("used")
        if now >= _aware(self.expires_at, now):
            raise TokenRejected("expired")


def reuse_within_grace(token: RefreshToken, children: list[RefreshToken], now: datetime, grace_seconds: int) -> bool:
    """True when a rotated link may be exchanged once more without revoking its family.

    Clients that refresh from two requests at once present the same link twice. That is allowed while
    the link is the immediately superseded one (none of its successors has been rotated or revoked) and
    it was rotated less than ``grace_seconds`` ago; anything else is treated as a stolen copy.
    """
    if token.used_at is None or token.revoked_at is not None or grace_seconds <= 0:
        return False
    if now >= _aware(token.expires_at, now) or len(children) >= MAX_SIBLINGS:
        return False
    if (now - _aware(token.used_at, now)).total_seconds() > grace_seconds:
        return False
    return all(child.used_at is None and child.revoked_at is None for child in children)


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
