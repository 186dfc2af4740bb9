"""Built-in names (statuses, transitions, the demo request types) shown in the reader's language.

The services speak canonical English names; pages translate them only for display, and every value
sent back to an API stays the English original. Names an admin typed are shown as they are.
"""
from __future__ import annotations

from .i18n import _


def _statuses() -> dict[str, str]:
    return {
        "Waiting for support": _("Waiting for support"),
        "In progress": _("In progress"),
        "Waiting for customer": _("Waiting for customer"),
        "Resolved": _("Resolved"),
        "Closed": _("Closed"),
        "Canceled": _("Canceled"),
    }


def _transitions() -> dict[str, str]:
    return {
        "Start progress": _("Start progress"),
        "Wait for customer": _("Wait for customer"),
        "Back to support": _("Back to support"),
        "Resolve": _("Resolve"),
        "Close request": _("Close request"),
        "Reopen request": _("Reopen request"),
        "Cancel request": _("Cancel request"),
    }


def _request_types() -> dict[str, str]:
    return {
        "Incident": _("Incident"),
        "Feature request": _("Feature request"),
        "Question": _("Question"),
    }


def status_label(name: object) -> str:
    """A status name as the reader should see it."""
    text = "" if name is None else str(name)
    return _statuses().get(text, text)


def transition_label(name: object) -> str:
    """A transition name as the reader should see it."""
    text = "" if name is None else str(name)
    return _transitions().get(text, text)


def request_type_label(name: object) -> str:
    """A request type name as the reader should see it (built-in ones only are translated)."""
    text = "" if name is None else str(name)
    return _request_types().get(text, text)
