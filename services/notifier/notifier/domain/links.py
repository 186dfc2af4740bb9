"""Links put in ticket emails: the portal for customers, the agent console for agents."""
from __future__ import annotations

import re
from urllib.parse import quote

from .model import CUSTOMER

TICKET_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,19}-[1-9][0-9]{0,9}$")


class InvalidTicketKey(ValueError):
    """A ticket key that is not ``<DESK>-<n>``: it would end up in URLs and headers, so refuse it."""


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed ticket key, else raise InvalidTicketKey."""
    if not isinstance(key, str) or not TICKET_KEY.match(key):
        raise InvalidTicketKey(f"not a ticket key: {key!r}")
    return key


def ticket_url(public_url: str, key: str, side: str) -> str:
    """The page where ``side`` reads ticket ``key``."""
    base = public_url.rstrip("/")
    area = "portal" if side == CUSTOMER else "agent"
    return f"{base}/{area}/requests/{quote(check_key(key))}"


def mute_url(public_url: str, key: str) -> str:
    """The portal page that stops notifications for one request."""
    return f"{public_url.rstrip('/')}/portal/requests/{quote(check_key(key))}/mute"


def forgot_password_url(public_url: str) -> str:
    """The portal page where someone asks for a password-reset link."""
    return f"{public_url.rstrip('/')}/portal/forgot-password"


def attachment_url(public_url: str, key: str, attachment_id: str) -> str:
    """The portal address of one attachment: it downloads for whoever may see it, after signing in."""
    ident = str(attachment_id)
    if not ident.isdigit():
        raise ValueError(f"not an attachment id: {attachment_id!r}")
    return f"{public_url.rstrip('/')}/portal/requests/{quote(check_key(key))}/attachments/{ident}"
