"""Confirmation of actions that cannot be undone in one click (closing, removing, deactivating).

Without script, the first POST answers a page that asks the question and posts the same form again
with ``confirmed=1``; with ``static/confirm.js``, the browser asks first and sends ``confirmed=1`` at once.
"""
from __future__ import annotations

from flask import render_template, request

FIELD = "confirmed"


def confirmed() -> bool:
    """Whether the posted form carries the confirmation."""
    return request.form.get(FIELD) == "1"


def ask(question: str, action_label: str, back: str, detail: str = ""):
    """The confirmation page: the question, the same form again (confirmed) and a way back."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", FIELD)]
    return render_template("confirm.html", question=question, detail=detail, action_label=action_label,
                           action=request.path, hidden_fields=fields, back=back)
