"""Native endpoints the portal and agent console use besides the JSM API (under /api/tickets)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from common.jsm import json_body, parse_int

from ..services import conversation as conv
from ..services.people import search_people
from ..services import requests as svc
from . import dto
from .caller import caller, uow
from .schemas import AssignIn, EditIn, ShareIn

bp = Blueprint("native", __name__, url_prefix="/api/tickets")


@bp.get("/requests/<ref>")
def request_detail(ref):
    """The JSM request plus what the portal shows beside it: shares, people, moves, subscription."""
    principal = caller()
    view = svc.get_request(uow(), principal, ref)
    t = view.ticket
    moves = svc.transitions(uow(), principal, ref)
    return jsonify({
        "request": dto.customer_request(view),
        "status": t.status.value,
        "organizations": [dto.organization(i, view.organizations.get(i, str(i))) for i in sorted(t.organization_ids)],
        "participants": [dto.user(p, view.accounts) for p in sorted(t.participant_ids)],
        "assignee": dto.user(t.assignee_id, view.accounts) if t.assignee_id else None,
        "transitions": [dto.transition(m) for m in moves],
        "subscribed": view.subscribed,
        "canEdit": principal.is_agent or (principal.id == t.reporter_id and t.status.value == "Waiting for support"),
        "lastActivity": dto.date_dto(t.last_activity_at),
    })


@bp.get("/requests/<ref>/history")
def history(ref):
    """Every change of the request, oldest first."""
    entries, people, organizations = svc.history(uow(), caller(), ref)

    def named(kind, value):
        # The people and organisations an entry names, so pages need no look-up of their own.
        if not value:
            return {}
        if kind in svc.PERSON_KINDS:
            return {"user": dto.user(value, people)}
        if kind in svc.ORGANISATION_KINDS and value.isdigit():
            return {"organization": dto.organization(int(value), organizations.get(int(value), value))}
        return {}

    return jsonify({"values": [{
        "kind": e.kind, "field": e.field, "from": e.from_value, "to": e.to_value,
        "actor": dto.user(e.actor_id, people), "at": dto.date_dto(e.at),
        **({"fromNamed": n} if (n := named(e.kind, e.from_value)) else {}),
        **({"toNamed": n} if (n := named(e.kind, e.to_value)) else {})} for e in entries]})


@bp.get("/requests/<ref>/emails")
def emails(ref):
    """The emails the request and its comments came from, whole (agents of the desk)."""
    found = svc.emails(uow(), caller(), ref)
    return jsonify({"values": [{
        "commentId": str(e.comment_id) if e.comment_id else None, "messageId": e.message_id,
        "from": e.from_address, "subject": e.subject, "text": e.text, "receivedAt": dto.date_dto(e.received_at),
    } for e in found]})


@bp.patch("/requests/<ref>")
def edit_request(ref):
    principal = caller()
    data = EditIn().load(json_body())
    return jsonify(dto.customer_request(svc.edit_request(uow(), principal, ref, data["summary"], data["description"],
                                                         data["requestFieldValues"])))


@bp.put("/requests/<ref>/assignee")
def assign(ref):
    principal = caller()
    data = AssignIn().load(json_body())
    return jsonify(dto.customer_request(svc.assign(uow(), principal, ref, data["accountId"])))


@bp.post("/requests/<ref>/organizations")
def share(ref):
    principal = caller()
    data = ShareIn().load(json_body())
    names = conv.share(uow(), principal, ref, data["add"], data["remove"])
    return jsonify({"organizations": [dto.organization(i, n) for i, n in sorted(names.items())]})


@bp.get("/people")
def people():
    """People to add as participants of the desk's requests, matched on name or email (domain.sharing)."""
    principal = caller()
    limit = parse_int(request.args.get("limit"), 20, "limit", minimum=1, maximum=50)
    found = search_people(uow(), principal, request.args.get("query", ""), limit,
                          desk_ref=request.args.get("serviceDeskId") or None)
    accounts = {a.id: a for a in found}
    return jsonify({"values": [dto.user(a.id, accounts) for a in found]})
