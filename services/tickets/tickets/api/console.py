"""The agent console's endpoints (under /api/tickets): filtered and sorted queues with counts, a request's
customer context, bulk assignment and transition."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, current_app, jsonify, request

from common.errors import BadRequest
from common.jsm import json_body, paged, paging

from ..domain.status import Status
from ..services import console as svc
from ..services import requests as requests_svc
from ..store.queries import QUEUES, SORTS, RequestFilter, queue_filter
from . import dto
from .caller import caller, uow
from .encoding import fast_encoder, text_response, with_values
from .params import parse_id
from .schemas import BulkIn

bp = Blueprint("console", __name__, url_prefix="/api/tickets")

UNASSIGNED = "unassigned"
MAX_QUERY = 200


def _desk_id() -> int:
    if not request.args.get("serviceDeskId"):
        raise BadRequest("Query parameter 'serviceDeskId' is required.")
    return parse_id(request.args.get("serviceDeskId"), "serviceDeskId", minimum=1)


def _sort(value: str) -> str:
    if value.lstrip("-") not in SORTS:
        raise BadRequest(f"sort '{value}' is not one of {', '.join(SORTS)} (with '-' for descending).")
    return value


def _status(value: str) -> tuple[Status, ...]:
    try:
        return (Status(value),)
    except ValueError:
        raise BadRequest(f"status '{value}' is not one of: {', '.join(s.value for s in Status)}.") from None


def console_filter(principal_id: str) -> RequestFilter:
    """A queue of ``serviceDeskId`` narrowed by the query string (search, status, type, assignee, organisation)."""
    args = request.args
    name = args.get("queue") or "open"
    if name not in QUEUES:
        raise BadRequest(f"queue '{name}' is not one of {', '.join(QUEUES)}.")
    query = (args.get("query") or "").strip()
    if len(query) > MAX_QUERY:
        raise BadRequest(f"Query parameter 'query' must be at most {MAX_QUERY} characters.")
    narrowed = {}
    if query:
        narrowed["search"] = query
    if args.get("status"):
        narrowed["statuses"] = _status(args["status"])
    if args.get("requestTypeId"):
        narrowed["request_type_id"] = parse_id(args["requestTypeId"], "requestTypeId", minimum=1)
    if args.get("assigneeId"):
        narrowed["assignee"] = "" if args["assigneeId"] == UNASSIGNED else args["assigneeId"][:64]
    if args.get("organizationId"):
        narrowed["shared_with"] = parse_id(args["organizationId"], "organizationId")
    if args.get("sort"):
        narrowed["sort"] = _sort(args["sort"])
    base = queue_filter(name, _desk_id(), principal_id)
    if "statuses" in narrowed and base.statuses and not set(narrowed["statuses"]) & set(base.statuses):
        # A status outside a one-status queue: nothing matches (no request type has id 0).
        narrowed.update(statuses=base.statuses, request_type_id=0)
    return replace(base, **narrowed)


@bp.get("/queues")
def queues():
    """One page of a desk's queue, filtered and sorted, with the number of requests it matches."""
    principal = caller()
    start, limit = paging()
    filter_ = console_filter(principal.id)
    found, last, total = requests_svc.queue(uow(), principal, filter_, start, limit)
    app = current_app._get_current_object()
    encode = fast_encoder(app)
    if encode is None:
        return jsonify({**paged(dto.customer_requests(found), start, limit, last), "total": total})
    values = dto.customer_requests_json(found, frozenset(), encode)
    return text_response(app, with_values(encode, paged(values, start, limit, last), {"total": total}))


@bp.get("/queues/counts")
def queue_counts():
    """How many requests each queue of the desk holds."""
    principal = caller()
    return jsonify({"serviceDeskId": str(_desk_id()), "counts": svc.queue_counts(uow(), principal, _desk_id())})


@bp.get("/requests/<ref>/context")
def customer_context(ref):
    """The reporter, their organisations and their other latest requests on the desk (the desk's agents)."""
    view, organizations, others = svc.customer_context(uow(), caller(), ref)
    reporter = view.ticket.reporter_id
    return jsonify({
        "reporter": dto.user(reporter, view.accounts),
        "organizations": [dto.organization(i, n) for i, n in sorted(organizations.items())],
        "recentRequests": dto.customer_requests(others),
    })


@bp.post("/bulk")
def bulk():
    """Assign and/or transition several requests; each is changed in its own transaction."""
    principal = caller()
    data = BulkIn().load(json_body())
    assignee = data["assignee"] or None if "assignee" in data else svc.UNCHANGED
    results = svc.bulk_change(uow, principal, data["issueKeys"], assignee, data.get("transition"))
    return jsonify({"results": results,
                    "changed": sum(r["status"] == 200 for r in results), "failed": sum(r["status"] != 200 for r in results)})
