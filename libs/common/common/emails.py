"""The one rule for email addresses, used by every service (identity before it stores anything).

An address is checked with ``email-validator`` (syntax of RFC 5321/5322, IDNA 2008 for the domain,
no special-use domains such as ``.test`` or ``localhost``) and reduced to one canonical form: the
domain in its ASCII (punycode) form and the whole address in lower case. So ``Alice@Bücher.de`` and
``alice@xn--bcher-kva.de`` are one mailbox, ``alice@example.com.`` is refused, and so is a local part
with characters outside ASCII (``alİce@example.com``), which an SMTP server without SMTPUTF8 could not
deliver. The canonical form is what identity stores, what tickets looks people up by and what the
notifier sends to.
"""
from __future__ import annotations

import email_validator

MAX_LENGTH = 254


class InvalidEmail(ValueError):
    """The text is not an address we can store and send to; the message says why."""


def normalise_email(raw: object) -> str:
    """The canonical form of ``raw``; raise InvalidEmail (message for a person) when it is not an address."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidEmail("An email address is required.")
    text = raw.strip()
    if len(text) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    try:
        checked = email_validator.validate_email(text, check_deliverability=False, allow_smtputf8=False,
                                                 allow_quoted_local=False, allow_domain_literal=False)
    except email_validator.EmailNotValidError as exc:
        raise InvalidEmail(f"'{_shown(text)}' is not a valid email address: {exc}") from None
    canonical = checked.ascii_email.lower()
    if len(canonical) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    return canonical


def is_email(raw: object) -> bool:
    """Whether ``raw`` passes the rule (for references that may be an email or something else)."""
    try:
        normalise_email(raw)
    except InvalidEmail:
        return False
    return True


def _shown(text: str) -> str:
    # Messages may be logged and shown: keep them printable and short.
    printable = "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text)
    return printable if len(printable) <= 80 else printable[:79] + "…"
