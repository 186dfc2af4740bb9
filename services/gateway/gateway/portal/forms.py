"""Form checking shared by the pages: errors keyed by field id, for the summary and the fields."""
from __future__ import annotations

import re

from common.emails import is_email
from common.errors import ApiError

from ..i18n import _

GENERAL = "_form"


def first_message(value) -> str:
    """The first message of a marshmallow-style error value."""
    if isinstance(value, list) and value:
        return first_message(value[0])
    if isinstance(value, dict) and value:
        return first_message(next(iter(value.values())))
    return str(value)


def errors_from(exc: ApiError, field_map: dict[str, str] | None = None) -> dict[str, str]:
    """Form errors for an API refusal: per field where the API names one we show, else general."""
    field_map = field_map or {}
    found: dict[str, str] = {}
    for api_field, messages in (exc.errors or {}).items():
        form_field = field_map.get(api_field)
        if form_field:
            found[form_field] = first_message(messages)
    if not found:
        found[GENERAL] = exc.message
    return found


def require(form, errors: dict[str, str], field: str, message: str) -> str:
    """The stripped value of ``field``; records ``message`` when it is empty."""
    value = (form.get(field) or "").strip()
    if not value:
        errors[field] = message
    return value


def new_password(form, errors: dict[str, str], field: str = "password", confirm: str = "password_confirm") -> str:
    """The new password typed twice; records an error when missing or mismatched.

    The password policy itself (length, common passwords) is identity's: its message is shown as is.
    """
    password = form.get(field) or ""
    if not password:
        errors[field] = _("Enter a password.")
    elif password != (form.get(confirm) or ""):
        errors[confirm] = _("The two passwords do not match.")
    return password


def email_list(form, errors: dict[str, str], field: str = "emails") -> list[str]:
    """The addresses typed in ``field`` (separated by spaces, commas or semicolons); records an error."""
    emails = [e.strip() for e in re.split(r"[\s,;]+", form.get(field) or "") if e.strip()]
    # The rule every service applies (common.emails), so the page never accepts what identity refuses.
    bad = [e for e in emails if not is_email(e)]
    if not emails:
        errors[field] = _("Enter at least one email address.")
    elif bad:
        errors[field] = _("These are not email addresses: %(list)s", list=", ".join(bad))
    return emails


def link_expired_message() -> str:
    """The message for a one-time link (invitation, sign-up, reset) identity no longer accepts."""
    return _("This link is no longer valid: it was already used or has expired. Ask for a new one.")
