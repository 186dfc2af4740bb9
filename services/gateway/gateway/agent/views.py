"""Agent console: queues per desk with counts, the full ticket (internal notes too), replies, transitions,
assignment, invitations."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.jsm import parse_int

from ..i18n import _
from ..portal import api, attachments, directory
from ..portal import session as auth
from ..portal.forms import GENERAL, email_list, errors_from
from ..portal.presenters import page_window, paged_values
from ..portal.views_request import load_detail
from .access import agent_required, form_error

logger = logging.getLogger(__name__)

bp = Blueprint("agent", __name__, url_prefix="/agent")

QUEUES = ("open", "unassigned", "mine", "waiting", "all")
PAGE_SIZE = 25
COUNT_LIMIT = 100


def queue_labels() -> dict[str, str]:
    """Queue id -> translated label."""
    return {
        "open": _("All open"), "unassigned": _("Unassigned"), "mine": _("Assigned to me"),
        "waiting": _("Waiting for customer"), "all": _("All requests"),
    }


@bp.get("", strict_slashes=False)
@agent_required
def home():
    """A desk's queue."""
    desks = directory.worked_desks()
    desk = request.args.get("desk") or (str(desks[0]["id"]) if desks else "")
    queue = request.args.get("queue", "open")
    queue = queue if queue in QUEUES else "open"
    start = parse_int(request.args.get("start"), 0, "start")
    items, window = [], page_window(0, PAGE_SIZE, 0, True)
    if desk:
        answer = api.get("/api/tickets/queues", serviceDeskId=desk, queue=queue, start=start, limit=PAGE_SIZE)
        items = paged_values(answer)
        window = page_window(start, PAGE_SIZE, len(items), bool((answer or {}).get("isLastPage", True)))
    return render_template("agent/home.html", desks=desks, desk=desk, queue=queue, queues=queue_labels(),
                           items=items, window=window, counts=queue_counts(desk) if desk else {},
                           page_args=lambda at: urlencode({"desk": desk, "queue": queue, "start": at}))


def queue_counts(desk: str) -> dict[str, str]:
    """Queue id -> how many requests it holds ("100+" past one page of the API; "" when unknown)."""
    counts = {}
    for name in QUEUES:
        try:
            answer = api.get("/api/tickets/queues", serviceDeskId=desk, queue=name, limit=COUNT_LIMIT) or {}
        except ApiError as exc:
            if exc.status >= 500:
                raise
            logger.info("queue %s of desk %s could not be counted: %s", name, desk, exc)
            counts[name] = ""
            continue
        # A future total from the service is used as is; the page size is the fallback count.
        total = answer.get("total")
        size = len(paged_values(answer))
        if isinstance(total, int):
            counts[name] = str(total)
        else:
            counts[name] = str(size) if answer.get("isLastPage", True) else f"{size}+"
    return counts


def desk_agents(desk_id: str) -> list[dict] | None:
    """The agents of a desk (UserDTO), or None when the tickets service cannot list them."""
    try:
        return paged_values(api.get(f"/api/tickets/desks/{desk_id}/agents", limit=100))
    except ApiError as exc:
        if exc.status >= 500:
            raise
        logger.info("agents of desk %s not listed: %s", desk_id, exc)
        return None


def _render_ticket(key: str, errors: dict | None = None, body: str = "", status: int = 200):
    detail = load_detail(key)
    comments = paged_values(api.get(f"/rest/servicedeskapi/request/{key}/comment", public="true",
                                    internal="true", limit=100))
    agents = desk_agents(str(detail["req"].get("serviceDeskId", "")))
    my_id = (auth.current_account() or {}).get("id")
    files = attachments.listed(key)
    emails = original_emails(key)
    return render_template("agent/request.html", comments=comments, errors=errors or {}, body=body,
                           agents=agents, my_id=my_id, attachments=files,
                           files_by_comment=attachments.by_comment(files), emails=emails, **detail), status


def original_emails(key: str) -> dict:
    """The whole emails the request (key None) and its comments (their ids) came from."""
    try:
        found = api.get(f"/api/tickets/requests/{key}/emails").get("values", [])
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return {}
    return {e.get("commentId"): e for e in found}


@bp.post("/requests/<key>/assign")
@agent_required
def assign(key: str):
    """Assign the request to me, to another agent of the desk, or to nobody."""
    choice = request.form.get("assignee", "")
    if choice == "me":
        choice = (auth.current_account() or {}).get("id") or ""
    try:
        api.call("PUT", f"/api/tickets/requests/{key}/assignee", json={"accountId": choice or None})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_ticket(key, {"assignee": exc.message}, status=400)
    flash(_("The assignee has been changed.") if choice else _("The request is now unassigned."), "success")
    return redirect(url_for("agent.ticket", key=key))


@bp.get("/requests/<key>")
@agent_required
def ticket(key: str):
    """The whole ticket, internal notes included."""
    return _render_ticket(key)


@bp.post("/requests/<key>/comment")
@agent_required
def reply(key: str):
    """A public reply to the customer, or an internal note."""
    body = (request.form.get("body") or "").strip()
    public = request.form.get("visibility", "public") != "internal"
    files = attachments.chosen_files()
    if not body and not files:
        return _render_ticket(key, {"body": _("Write a message or attach a file before sending.")}, status=400)
    try:
        if files:
            desk_id = str(api.get(f"/rest/servicedeskapi/request/{key}").get("serviceDeskId", ""))
            attachments.attach(key, attachments.upload(desk_id, files), public=public, comment=body or None)
        else:
            api.post(f"/rest/servicedeskapi/request/{key}/comment", {"body": body, "public": public})
    except ApiError as exc:
        if not form_error(exc) and exc.status != 503:
            raise
        problem = {attachments.FIELD: attachments.refusal(exc)} if files else errors_from(exc, {"body": "body"})
        return _render_ticket(key, problem, body, status=400)
    if not body:
        flash(_("Your files have been attached.") if public else _("Your internal files have been attached."),
              "success")
    else:
        flash(_("Your reply has been sent.") if public else _("Your internal note has been added."), "success")
    return redirect(url_for("agent.ticket", key=key) + "#comments")


@bp.post("/requests/<key>/transition")
@agent_required
def transition(key: str):
    """Move the ticket to another status."""
    transition_id = request.form.get("transition", "")
    if not transition_id:
        return _render_ticket(key, {"transition": _("Choose a status change.")}, status=400)
    try:
        api.post(f"/rest/servicedeskapi/request/{key}/transition", {"id": transition_id})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_ticket(key, {GENERAL: exc.message}, status=400)
    flash(_("The status has been changed."), "success")
    return redirect(url_for("agent.ticket", key=key))


@bp.route("/invite", methods=["GET", "POST"])
@agent_required
def invite():
    """Invite internal customers by email."""
    if request.method == "GET":
        return render_template("agent/invite.html", errors={}, emails="")
    raw = request.form.get("emails", "")
    errors: dict[str, str] = {}
    emails = email_list(request.form, errors)
    if not errors:
        try:
            answer = api.post("/api/identity/invitations", {"emails": emails}) or {}
        except ApiError as exc:
            if exc.status >= 500 or exc.status == 403:
                raise
            errors = errors_from(exc, {"emails": "emails"})
        else:
            # Accounts beyond the agent's desks get nothing from identity: say so rather than "sent".
            elsewhere = [i.get("email") for i in answer.get("invitations") or [] if i.get("state") == "exists"]
            sent = [e for e in emails if e.lower() not in {str(x).lower() for x in elsewhere}]
            if sent:
                flash(_("Invitations sent to %(list)s.", list=", ".join(sent)), "success")
            if elsewhere:
                flash(_("Not invited, as they are customers of other desks: %(list)s. An admin can add them.",
                        list=", ".join(elsewhere)), "warning")
            return redirect(url_for("agent.invite"))
    return render_template("agent/invite.html", errors=errors, emails=raw), 400
