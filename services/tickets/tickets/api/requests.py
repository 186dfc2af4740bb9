"""JSM endpoints for customer requests: create, my requests, get one, status, transitions."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from common.errors import BadRequest
from common.jsm import json_body, paged, paging

from ..services import requests as svc
from ..services.common import EXPANDS
from ..store.queries import DEFAULT_OWNERSHIP, OWNERSHIPS, STATUSES, RequestFilter
from . import dto
from .caller import caller, uow
from .encoding import fast_encoder, text_response, with_values
from .params import parse_id
from .schemas import CreateRequestIn, TransitionIn

bp = Blueprint("jsm_requests", __name__, url_prefix="/rest/servicedeskapi")
# Built once: a schema's construction cost more than loading a body with it (every intake runs it).
_CREATE_IN = CreateRequestIn()


@bp.post("/request")
def create_request():
    principal = caller()
    data = _CREATE_IN.load(json_body())
    view = svc.create_request(
        uow(), principal, service_desk_id=data["serviceDeskId"], request_type_id=data["requestTypeId"],
        field_values=data["requestFieldValues"], participants=data["requestParticipants"] or [],
        raise_on_behalf_of=data["raiseOnBehalfOf"])
    return jsonify(dto.customer_request(view)), 201


def _multi(name: str) -> list[str]:
    return [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]


def request_filter() -> RequestFilter:
    """The ``GET /request`` query string as a filter; a bad value is a 400 naming the parameter."""
    args = request.args
    ownership = tuple(_multi("requestOwnership")) or DEFAULT_OWNERSHIP
    for value in ownership:
        if value not in OWNERSHIPS:
            raise BadRequest(f"requestOwnership '{value}' is not one of {', '.join(OWNERSHIPS)}.")
    org = parse_id(args.get("organizationId"), "organizationId")
    if "ORGANIZATION" in ownership and org is None:
        raise BadRequest("requestOwnership=ORGANIZATION needs an organizationId.")
    status = args.get("requestStatus") or "ALL_REQUESTS"
    if status not in STATUSES:
        raise BadRequest(f"requestStatus '{status}' is not one of {', '.join(STATUSES)}.")
    desk = parse_id(args.get("serviceDeskId"), "serviceDeskId")
    rt = parse_id(args.get("requestTypeId"), "requestTypeId")
    return RequestFilter(ownership=ownership, organization_id=org, status=status,
                         search=args.get("searchTerm") or None, desk_id=desk, request_type_id=rt)


def expands() -> frozenset[str]:
    """``expand=`` values we fill; others (sla) are ignored, as JSM ignores unknown ones."""
    wanted = frozenset(_multi("expand"))
    if "comment.attachment" in wanted:
        wanted |= {"comment"}  # a comment's attachments come with the comments
    return wanted & EXPANDS


@bp.get("/request")
def my_requests():
    principal = caller()
    start, limit = paging()
    wanted = expands()
    found, last = svc.list_requests(uow(), principal, request_filter(), start, limit, wanted)
    app = current_app._get_current_object()
    encode = fast_encoder(app)
    if encode is None:
        return jsonify(paged(dto.customer_requests(found, wanted), start, limit, last))
    values = dto.customer_requests_json(found, wanted, encode)
    return text_response(app, with_values(encode, paged(values, start, limit, last)))


@bp.get("/request/<ref>")
def get_request(ref):
    wanted = expands()
    return jsonify(dto.customer_request(svc.get_request(uow(), caller(), ref, wanted), wanted))


@bp.get("/request/<ref>/status")
def status_history(ref):
    principal = caller()
    start, limit = paging()
    found, last = svc.status_history(uow(), principal, ref, start, limit)
    return jsonify(paged([dto.status(s, at) for s, at in found], start, limit, last))


@bp.get("/request/<ref>/transition")
def transitions(ref):
    principal = caller()
    start, limit = paging()
    found = svc.transitions(uow(), principal, ref)
    page = found[start:start + limit]
    return jsonify(paged([dto.transition(t) for t in page], start, limit, start + limit >= len(found)))


@bp.post("/request/<ref>/transition")
def perform_transition(ref):
    principal = caller()
    data = TransitionIn().load(json_body())
    comment = (data["additionalComment"] or {}).get("body")
    svc.perform_transition(uow(), principal, ref, data["id"], comment)
    return "", 204
