"""JSM endpoints for comments, participants and notification subscription of a request."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from common.jsm import json_body, paged, paging, parse_bool

from ..services import attachments as attachment_reads
from ..services import conversation as svc
from ..services.invitations import InviteLimits
from . import dto
from .caller import caller, uow
from .schemas import CommentIn, UsersIn

bp = Blueprint("jsm_conversation", __name__, url_prefix="/rest/servicedeskapi")


@bp.get("/request/<ref>/comment")
def comments(ref):
    principal = caller()
    start, limit = paging()
    public = parse_bool(request.args.get("public"), True, "public")
    internal = parse_bool(request.args.get("internal"), True, "internal")
    found, last, authors = svc.list_comments(uow(), principal, ref, public, internal, start, limit)
    key = ref.upper()
    files = _attachments_of(principal, ref, found, authors)
    rendered = "renderedBody" in _expands()
    return jsonify(paged([dto.comment(key, c, authors, files.get(c.id) if files is not None else None, rendered)
                          for c in found], start, limit, last))


def _expands() -> set[str]:
    return {v.strip() for raw in request.args.getlist("expand") for v in raw.split(",")}


def _attachments_of(principal, ref, found, authors) -> dict | None:
    """``expand=attachment``: the comments' attachments the caller may see (None when not asked for)."""
    if "attachment" not in _expands():
        return None
    files, people = attachment_reads.comment_attachments(uow(), principal, ref, [c.id for c in found])
    authors.update(people)
    return files


@bp.post("/request/<ref>/comment")
def add_comment(ref):
    principal = caller()
    data = CommentIn().load(json_body())
    comment, authors = svc.add_comment(uow(), principal, ref, data["body"], data["public"])
    return jsonify(dto.comment(ref.upper(), comment, authors)), 201


@bp.get("/request/<ref>/comment/<comment_id>")
def get_comment(ref, comment_id):
    principal = caller()
    comment, authors = svc.get_comment(uow(), principal, ref, comment_id)
    files = _attachments_of(principal, ref, [comment], authors)
    return jsonify(dto.comment(ref.upper(), comment, authors, files.get(comment.id) if files is not None else None,
                               "renderedBody" in _expands()))


def _people_page(people):
    accounts = {a.id: a for a in people}
    return paged([dto.user(a.id, accounts) for a in people], 0, max(len(people), 1), True)


@bp.get("/request/<ref>/participant")
def participants(ref):
    principal = caller()
    start, limit = paging()
    people = svc.participants(uow(), principal, ref)
    accounts = {a.id: a for a in people}
    page = people[start:start + limit]
    return jsonify(paged([dto.user(a.id, accounts) for a in page], start, limit, start + limit >= len(people)))


def _refs(data) -> list[str]:
    return list(data.get("accountIds") or []) + list(data.get("usernames") or [])


def invite_limits() -> InviteLimits:
    settings = current_app.extensions["tickets.settings"]
    return InviteLimits(settings.invites_per_customer, settings.invites_per_desk, settings.invite_window)


@bp.post("/request/<ref>/participant")
def add_participants(ref):
    principal = caller()
    data = UsersIn().load(json_body())
    return jsonify(_people_page(svc.change_participants(uow(), principal, ref, _refs(data), add=True,
                                                        invite_limits=invite_limits())))


@bp.delete("/request/<ref>/participant")
def remove_participants(ref):
    principal = caller()
    data = UsersIn().load(json_body())
    return jsonify(_people_page(svc.change_participants(uow(), principal, ref, _refs(data), add=False)))


@bp.get("/request/<ref>/notification")
def subscription(ref):
    return jsonify({"subscribed": svc.subscribed(uow(), caller(), ref)})


@bp.put("/request/<ref>/notification")
def subscribe(ref):
    svc.set_subscription(uow(), caller(), ref, subscribe=True)
    return "", 204


@bp.delete("/request/<ref>/notification")
def unsubscribe(ref):
    svc.set_subscription(uow(), caller(), ref, subscribe=False)
    return "", 204
