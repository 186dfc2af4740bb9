"""One request as its customer sees it: details, public comments, close/reopen, participants, notifications."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.limits import text_limit

from .. import confirm
from ..i18n import _
from . import api, attachments, directory, timeline
from .forms import GENERAL, errors_from
from .presenters import paged_values
from .session import current_account, is_agent, login_required

logger = logging.getLogger(__name__)

bp = Blueprint("request", __name__, url_prefix="/portal/requests")

PEOPLE_LIMIT = 10


def _path(key: str, tail: str = "") -> str:
    return f"/rest/servicedeskapi/request/{key}{tail}"


def load_request(key: str) -> dict:
    """The request (CustomerRequestDTO)."""
    return api.get(_path(key))


def load_detail(key: str) -> dict:
    """What a request page shows: the request, its shares, people, moves and the caller's subscription."""
    detail = api.get(f"/api/tickets/requests/{key}") or {}
    req = detail.get("request") or {}
    desk_id, type_id = str(req.get("serviceDeskId", "")), str(req.get("requestTypeId", ""))
    names = {str(t.get("id")): t.get("name") for t in _optional(lambda: directory.request_types(desk_id), [])}
    return {
        "req": req,
        "shared": detail.get("organizations"),
        "participants": detail.get("participants") or [],
        "transitions": detail.get("transitions") or [],
        "subscribed": detail.get("subscribed"),
        "assignee": detail.get("assignee"),
        "desk_name": _optional(directory.desk_names, {}).get(desk_id, ""),
        "type_name": names.get(type_id, ""),
    }


def _optional(load, default):
    try:
        return load()
    except ApiError as exc:
        logger.info("optional look-up failed: %s", exc)
        return default


def member_of_shared(detail: dict) -> bool:
    """Whether the caller sees the request only through an organisation it is shared with."""
    me = (current_account() or {}).get("id")
    req = detail["req"]
    if not me or (req.get("reporter") or {}).get("accountId") == me:
        return False
    if any(p.get("accountId") == me for p in detail["participants"]):
        return False
    mine = {str(o.get("id")) for o in directory.my_organisations()}
    return any(str(o.get("id")) in mine for o in detail["shared"] or [])


def find_people(query: str, desk_id: str) -> list[dict]:
    """People matching ``query`` by name or email whom the desk lets the caller add as participants."""
    if not query:
        return []
    return paged_values(api.get("/api/tickets/people", query=query, serviceDeskId=desk_id or None,
                                limit=PEOPLE_LIMIT))


def render_request(key: str, errors: dict | None = None, comment: str = "", status: int = 200,
                   people_query: str = ""):
    """The request page, with form errors when a POST failed."""
    detail = load_detail(key)
    comments = paged_values(api.get(_path(key, "/comment"), public="true", internal="false", limit=100))
    files = attachments.listed(key)
    entries = timeline.build(timeline.history(key), comments, kinds=timeline.CUSTOMER_KINDS)
    return render_template("portal/request.html", comments=comments, timeline=entries, errors=errors or {}, comment=comment,
                           member_of_shared=member_of_shared(detail), people_query=people_query,
                           people=find_people(people_query, str(detail["req"].get("serviceDeskId", ""))),
                           attachments=files, files_by_comment=attachments.by_comment(files), **detail), status


@bp.get("/<key>")
@login_required
def view(key: str):
    """Show the request (and people found by the participant search, a plain GET form)."""
    return render_request(key, people_query=(request.args.get("people") or "").strip()[:text_limit("query")])


@bp.post("/<key>/comment")
@login_required
def comment(key: str):
    """Add a public comment."""
    body = (request.form.get("body") or "").strip()
    files = attachments.chosen_files()
    if not body and not files:
        return render_request(key, {"body": _("Write a comment or attach a file before sending.")}, status=400)
    try:
        if files:
            desk_id = str(load_request(key).get("serviceDeskId", ""))
            attachments.attach(key, attachments.upload(desk_id, files), public=True, comment=body or None)
        else:
            api.post(_path(key, "/comment"), {"body": body, "public": True})
    except ApiError as exc:
        if exc.status >= 500 and exc.status != 503 or exc.status in (403, 404):
            raise
        problem = {attachments.FIELD: attachments.refusal(exc)} if files else errors_from(exc, {"body": "body"})
        return render_request(key, problem, body, status=400)
    flash(_("Your comment has been added.") if body else _("Your files have been attached."), "success")
    return redirect(url_for("request.view", key=key) + "#comments")


@bp.post("/<key>/transition")
@login_required
def transition(key: str):
    """Close, reopen or any other transition offered to the customer."""
    transition_id = request.form.get("transition", "")
    question = confirm.ask_to_end(transition_id, [key], url_for("request.view", key=key))
    if question is not None:
        return question
    try:
        api.post(_path(key, "/transition"), {"id": transition_id, "additionalComment": {"body": None}})
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (403, 404):
            raise
        return render_request(key, {GENERAL: exc.message}, status=400)
    flash(_("The request status has been updated."), "success")
    return redirect(url_for("request.view", key=key))


@bp.post("/<key>/participants")
@login_required
def add_participant(key: str):
    """Share the request with another person: a search result (account id), an email or a name."""
    account_id = (request.form.get("account_id") or "").strip()
    who = (request.form.get("participant") or "").strip()
    if not who and not account_id:
        return render_request(key, {"participant": _("Enter the email address or name of a person.")},
                              status=400)
    body = {"accountIds": [account_id]} if account_id else {"usernames": [who]}
    who = (request.form.get("name") or "").strip() or who or account_id
    try:
        api.post(_path(key, "/participant"), body)
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 403:
            raise
        return _back_to_page(key, {"participant": exc.message})
    flash(_("%(who)s can now see this request.", who=who), "success")
    return redirect(_page_of(key) + "#participants")


@bp.post("/<key>/participants/remove")
@login_required
def remove_participant(key: str):
    """Take a participant off the request, once confirmed."""
    account_id = (request.form.get("account_id") or "").strip()
    who = (request.form.get("name") or "").strip() or account_id
    if not account_id:
        return _back_to_page(key, {GENERAL: _("Choose the person to remove.")})
    if not confirm.confirmed():
        return confirm.ask(_("Remove %(who)s from %(key)s?", who=who, key=key), _("Remove"), _page_of(key),
                           _("They will no longer see this request unless it is shared with their organisation."))
    try:
        api.call("DELETE", _path(key, "/participant"), json={"accountIds": [account_id]})
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        return _back_to_page(key, {GENERAL: exc.message})
    flash(_("%(who)s is no longer a participant.", who=who), "success")
    return redirect(_page_of(key) + "#participants")


def _from_console() -> bool:
    return request.form.get("page") == "agent" and is_agent()


def _page_of(key: str) -> str:
    """The page the form was sent from: the console's or the portal's request page."""
    return url_for("agent.ticket", key=key) if _from_console() else url_for("request.view", key=key)


def _back_to_page(key: str, errors: dict):
    if _from_console():
        from ..agent.views import render_ticket

        return render_ticket(key, errors, status=400)
    return render_request(key, errors, status=400)


@bp.route("/<key>/mute", methods=["GET", "POST"])
@login_required
def mute(key: str):
    """Stop (or resume) notifications for this request; the emailed link lands here."""
    if request.method == "GET":
        return render_template("portal/mute.html", req=load_request(key))
    if request.form.get("action") == "unmute":
        api.call("PUT", _path(key, "/notification"))
        flash(_("You will get notifications for this request again."), "success")
    else:
        api.call("DELETE", _path(key, "/notification"))
        flash(_("You will no longer get notifications for this request."), "success")
    return redirect(url_for("request.view", key=key))
