"""Accounts as the notifier knows them, and the recipients of one email."""
from __future__ import annotations

from dataclasses import dataclass

from common.auth import AGENT, CUSTOMER  # noqa: F401  (a recipient reads from the side of its role)


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    display_name: str | None
    language: str
    role: str
    active: bool


@dataclass(frozen=True)
class Recipient:
    """Someone to mail: an address, a language, and which side of the desk they read it from."""

    email: str
    language: str
    side: str  # CUSTOMER or AGENT
    display_name: str | None = None
    account_id: str | None = None
