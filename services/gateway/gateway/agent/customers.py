"""Console page for customers: search, deactivate or activate, invitation state and resending it."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.jsm import parse_int

from .. import confirm
from ..i18n import _
from ..portal import api
from ..portal.presenters import page_window, paged_values
from .access import agent_required

logger = logging.getLogger(__name__)

bp = Blueprint("customers", __name__, url_prefix="/agent/customers")

PAGE_SIZE = 25
INVITATIONS_LIMIT = 100


def invitation_states() -> dict[str, dict]:
    """Account id -> its latest invitation (``state`` pending/accepted/expired, ``expiresAt``)."""
    try:
        answer = api.get("/api/identity/invitations", limit=INVITATIONS_LIMIT)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        logger.info("invitations not listed: %s", exc)
        return {}
    return {str(i.get("accountId")): i for i in paged_values(answer)}


def state_labels() -> dict[str, str]:
    """Invitation state -> translated label."""
    return {"pending": _("Invitation pending"), "accepted": _("Invitation accepted"),
            "expired": _("Invitation expired")}


@bp.get("")
@agent_required
def index():
    """Customers matching the search, with their status and invitation."""
    query = (request.args.get("q") or "").strip()
    start = parse_int(request.args.get("start"), 0, "start")
    answer = api.get("/api/identity/accounts", query=query or None, start=start, limit=PAGE_SIZE)
    customers = paged_values(answer)
    window = page_window(start, PAGE_SIZE, len(customers), bool((answer or {}).get("isLastPage", True)))
    return render_template("agent/customers.html", customers=customers, q=query, window=window,
                           invitations=invitation_states(), states=state_labels(),
                           page_args=lambda at: urlencode({"q": query, "start": at} if query else {"start": at}))


def _back() -> str:
    query = request.form.get("q") or ""
    return url_for("customers.index", q=query) if query else url_for("customers.index")


@bp.post("/<account_id>/active")
@agent_required
def set_active(account_id: str):
    """Deactivate (sessions end at once) or activate a customer."""
    activate = request.form.get("action") == "activate"
    if not activate and not confirm.confirmed():
        return confirm.ask(_("Deactivate %(name)s?", name=request.form.get("name") or account_id),
                           _("Deactivate the account"), _back(),
                           _("They are logged out at once and can no longer log in until an agent activates them again."))
    api.post(f"/api/identity/accounts/{account_id}/{'activate' if activate else 'deactivate'}")
    flash(_("The account has been activated.") if activate else _("The account has been deactivated."), "success")
    return redirect(_back())


@bp.post("/<account_id>/resend")
@agent_required
def resend(account_id: str):
    """Send a fresh invitation link (the previous one stops working)."""
    answer = api.post(f"/api/identity/invitations/{account_id}/resend") or {}
    flash(_("A new invitation has been sent to %(email)s.", email=answer.get("email") or _("the customer")),
          "success")
    return redirect(_back())
