"""Header values built from user text (ticket summaries, display names) and addresses.

CPython rejects a raw CR or LF in a header, but on some 3.11 releases an RFC 2047 encoded word
(``=?UTF-8?Q?=0A?=``) decodes into a real line break when the message is generated (CVE-2024-6923).
So user text is cleaned before it reaches a header: control characters become spaces, ``=?`` is
broken apart, the length is capped. Addresses are refused outright instead: a mangled address would
mail somebody else.
"""
from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address

from common.emails import InvalidEmail, normalise_email

MAX_SUBJECT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


class UnsafeHeader(ValueError):
    """A value that cannot go into an email header as it is."""


def clean_text(value: str | None, max_length: int = MAX_SUBJECT) -> str:
    """User text made safe for a header: one line, no encoded-word opener, at most ``max_length``."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL.sub(" ", text)
    # An encoded word only starts with "=?"; a space between them keeps the text readable.
    while "=?" in text:
        text = text.replace("=?", "= ?")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def address(email: str, display_name: str | None = None) -> Address:
    """An Address for ``email``; raise UnsafeHeader when it holds anything but a plain address.

    The address is held to the rule identity stored it by (``common.emails``) and sent in its
    canonical form, so every address identity accepts is one the notifier can mail.
    """
    if not isinstance(email, str) or _CONTROL.search(email) or "=?" in email or " " in email:
        raise UnsafeHeader(f"refusing a suspicious email address {email!r}")
    try:
        email = normalise_email(email)
    except InvalidEmail as exc:
        raise UnsafeHeader(f"not a plain email address: {email!r} ({exc})") from None
    username, _at, domain = email.rpartition("@")
    try:
        return Address(display_name=clean_text(display_name, 100), username=username, domain=domain)
    except (ValueError, IndexError) as exc:
        raise UnsafeHeader(f"not a valid email address {email!r}: {exc}") from exc
