"""Confirmation of actions that cannot be undone in one click (closing, removing, deactivating).

Without script, the first POST answers a page that asks the question and posts the same form again
with ``confirmed=1``; with ``static/confirm.js``, the browser asks first and sends ``confirmed=1`` at once.
"""
from __future__ import annotations

from flask import render_template, request

from .i18n import _

FIELD = "confirmed"
CLOSE, CANCEL = "5", "7"  # transition ids of the tickets service's table that end a request
ENDING = (CLOSE, CANCEL)


def confirmed() -> bool:
    """Whether the posted form carries the confirmation."""
    return request.form.get(FIELD) == "1"


def ask(question: str, action_label: str, back: str, detail: str = ""):
    """The confirmation page: the question, the same form again (confirmed) and a way back."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", FIELD)]
    return render_template("confirm.html", question=question, detail=detail, action_label=action_label,
                           action=request.path, hidden_fields=fields, back=back)


def ask_to_end(transition_id: str, keys: list[str], back: str):
    """The confirmation page for a transition that ends requests (portal, console, bulk), or None to go on."""
    if transition_id not in ENDING or confirmed():
        return None
    named = ", ".join(keys)
    return ask(_("Close %(key)s?", key=named) if transition_id == CLOSE else _("Cancel %(key)s?", key=named),
               _("Close request") if transition_id == CLOSE else _("Cancel request"), back,
               _("A closed request takes no more comments; you can raise a new one at any time."))
