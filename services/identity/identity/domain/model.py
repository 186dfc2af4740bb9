"""Accounts and organisations, the aggregates identity owns."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from common import emails
from common.auth import CUSTOMER, ROLES
from common.i18n import SUPPORTED
from common.limits import SHORT_TEXT

from .errors import DomainError

INTERNAL, EXTERNAL = "internal", "external"
LANGUAGES = SUPPORTED  # the one list, common.i18n.LANGUAGES
MAX_NAME = SHORT_TEXT


class InvalidEmail(DomainError):
    """The text is not an email address we can send to."""


def normalise_email(email: object) -> str:
    """The canonical form of an address (``common.emails``, the rule of every service); raise InvalidEmail."""
    try:
        return emails.normalise_email(email)
    except emails.InvalidEmail as exc:
        raise InvalidEmail(str(exc)) from None


def clean_name(name: object, field_name: str = "displayName") -> str | None:
    """Trim a display name; refuse control characters (they end up in email headers) and overlong names."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise DomainError(f"{field_name} must be text.")
    cleaned = " ".join(name.split())
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name.replace("\t", " ")):
        raise DomainError(f"{field_name} must not contain control characters or line breaks.")
    if len(cleaned) > MAX_NAME:
        raise DomainError(f"{field_name} is too long: use at most {MAX_NAME} characters.")
    return cleaned or None


@dataclass
class Account:
    """A person who logs in: a customer (internal or external), an agent or an admin."""

    email: str
    role: str = CUSTOMER
    kind: str | None = INTERNAL
    display_name: str | None = None
    language: str = "en"
    time_zone: str | None = None
    active: bool = True
    email_verified: bool = False
    password_hash: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    invited_by: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def can_log_in(self) -> bool:
        """Only an active account whose email was proved (invitation or sign-up link) may log in."""
        return self.active and self.email_verified and self.has_password

    @property
    def name(self) -> str:
        return self.display_name or self.email

    def set_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.updated_at = now

    def verify_email(self, now: datetime) -> None:
        self.email_verified = True
        self.updated_at = now

    def update_profile(self, now: datetime, **changes) -> bool:
        """Apply displayName/language/timeZone changes; return True when something changed."""
        changed = False
        for attr, value in changes.items():
            if getattr(self, attr) != value:
                setattr(self, attr, value)
                changed = True
        if changed:
            self.updated_at = now
        return changed

    def deactivate(self, now: datetime) -> bool:
        if not self.active:
            return False
        self.active = False
        self.updated_at = now
        return True

    def activate(self, now: datetime) -> bool:
        if self.active:
            return False
        self.active = True
        self.updated_at = now
        return True


def invitation_state(account: Account, token_state: str | None) -> str:
    """pending, accepted or expired, as agents see an invitation."""
    if account.has_password and account.email_verified:
        return "accepted"
    if token_state == "valid":
        return "pending"
    return "expired"


def check_language(language: object) -> str:
    if language not in LANGUAGES:
        raise DomainError(f"language must be one of {', '.join(LANGUAGES)}.")
    return language  # type: ignore[return-value]


def check_time_zone(time_zone: object) -> str | None:
    """An IANA time-zone name such as Europe/Paris, or None."""
    if time_zone in (None, ""):
        return None
    from zoneinfo import ZoneInfo

    if not isinstance(time_zone, str) or len(time_zone) > 64:
        raise DomainError("timeZone must be an IANA time zone such as Europe/Paris.")
    try:
        ZoneInfo(time_zone)
    except Exception:
        raise DomainError(f"timeZone '{time_zone}' is not a known IANA time zone such as Europe/Paris.") from None
    return time_zone


@dataclass
class Organisation:
    """A group of customers whose requests can be shared with each other."""

    name: str
    created_at: datetime | None = None
    created_by: str | None = None
    id: int | None = None


def clean_organisation_name(name: object) -> str:
    cleaned = clean_name(name, "name")
    if not cleaned:
        raise DomainError("An organisation needs a name.")
    return cleaned
