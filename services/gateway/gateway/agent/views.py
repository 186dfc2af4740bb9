"""Agent console: the routes of ``/agent``; the full ticket (internal notes, history, the customer's context),
replies, transitions and assignment, invitations."""
from __future__ import annotations

import logging
from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.limits import text_limit

from .. import confirm
from ..i18n import _
from ..portal import api, attachments, directory, timeline
from ..portal import session as auth
from ..portal.forms import GENERAL, email_list, errors_from
from ..portal.presenters import paged_values
from ..portal.views_request import find_people, load_detail
from . import queues, raise_request, request_work
from .access import agent_required, form_error

logger = logging.getLogger(__name__)

bp = Blueprint("agent", __name__, url_prefix="/agent")

bp.add_url_rule("", "home", queues.home, strict_slashes=False)
bp.add_url_rule("/bulk", "bulk", queues.bulk, methods=["POST"])
bp.add_url_rule("/raise", "raise_request", raise_request.choose)
bp.add_url_rule("/raise/<desk_id>/<type_id>", "raise_form", raise_request.form, methods=["GET", "POST"])


def render_ticket(key: str, errors: dict | None = None, body: str = "", status: int = 200,
                   people_query: str = ""):
    detail = load_detail(key)
    comments = paged_values(api.get(f"/rest/servicedeskapi/request/{key}/comment", public="true",
                                    internal="true", limit=100))
    desk_id = str(detail["req"].get("serviceDeskId", ""))
    agents = queues.desk_agents(desk_id)
    my_id = (auth.current_account() or {}).get("id")
    files = attachments.listed(key)
    emails = original_emails(key)
    return render_template("agent/request.html", comments=comments, errors=errors or {}, body=body,
                           agents=agents, my_id=my_id, attachments=files,
                           files_by_comment=attachments.by_comment(files), emails=emails,
                           timeline=timeline.build(timeline.history(key), comments), context=customer_context(key),
                           people_query=people_query, people=find_people(people_query, desk_id), **detail), status


def customer_context(key: str) -> dict | None:
    """The reporter's organisations and other latest requests (None when the service will not say)."""
    try:
        return api.get(f"/api/tickets/requests/{key}/context")
    except ApiError as exc:
        if exc.status >= 500:
            raise
        logger.info("context of %s not read: %s", key, exc)
        return None


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
        return render_ticket(key, {"assignee": exc.message}, status=400)
    flash(_("The assignee has been changed.") if choice else _("The request is now unassigned."), "success")
    return redirect(url_for("agent.ticket", key=key))


@bp.get("/requests/<key>")
@agent_required
def ticket(key: str):
    """The whole ticket, internal notes included (and people found by the participant search)."""
    return render_ticket(key, people_query=(request.args.get("people") or "").strip()[:text_limit("query")])


@bp.post("/requests/<key>/work")
@agent_required
def work(key: str):
    """Assignment and status change from one form, applied together in one transaction."""
    question = confirm.ask_to_end(request.form.get("transition", ""), [key], url_for("agent.ticket", key=key))
    if question is not None:
        return question
    problem = request_work.apply(key)
    if problem:
        return render_ticket(key, problem, status=400)
    return redirect(url_for("agent.ticket", key=key))


bp.add_url_rule("/requests/<key>/edit", "edit", request_work.edit, methods=["GET", "POST"])


@bp.post("/requests/<key>/comment")
@agent_required
def reply(key: str):
    """A public reply to the customer, or an internal note."""
    body = (request.form.get("body") or "").strip()
    public = request.form.get("visibility", "public") != "internal"
    files = attachments.chosen_files()
    if not body and not files:
        return render_ticket(key, {"body": _("Write a message or attach a file before sending.")}, status=400)
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
        return render_ticket(key, problem, body, status=400)
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
        return render_ticket(key, {"transition": _("Choose a status change.")}, status=400)
    try:
        api.post(f"/rest/servicedeskapi/request/{key}/transition", {"id": transition_id})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return render_ticket(key, {GENERAL: exc.message}, status=400)
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
