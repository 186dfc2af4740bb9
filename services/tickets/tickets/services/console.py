"""Use cases of the agent console: queue counts, a request's customer context, bulk changes."""
from __future__ import annotations

import logging
from typing import Callable

from common.auth import Principal
from common.errors import ApiError, Forbidden, NotFound

from ..store.queries import QUEUES, RequestFilter, queue_filter
from ..store.uow import UnitOfWork
from .common import RequestView, actor_for, domain_errors, load_visible, now, save_and_publish, viewer_for, views
from .requests import assignee_for

logger = logging.getLogger(__name__)

RECENT = 5
UNCHANGED = object()  # bulk: leave the assignee as it is


def _require_desk_agent(uow: UnitOfWork, principal: Principal, desk_id: int):
    if not principal.is_agent:
        raise Forbidden("Queues are for agents.")
    viewer = viewer_for(uow, principal)
    desk = uow.desks.get(desk_id)
    # A desk the agent does not work on is answered like one that does not exist.
    if desk is None or not viewer.is_agent_for(desk.id):
        raise NotFound(f"Service desk '{desk_id}' does not exist or you are not one of its agents.")
    return viewer


def queue_counts(uow: UnitOfWork, principal: Principal, desk_id: int) -> dict[str, int]:
    """How many requests each queue of the desk holds (one statement)."""
    with uow:
        viewer = _require_desk_agent(uow, principal, desk_id)
        return uow.tickets.count(viewer, {name: queue_filter(name, desk_id, principal.id) for name in QUEUES})


def count(uow: UnitOfWork, principal: Principal, filter_: RequestFilter) -> int:
    """How many requests of a desk match a console filter."""
    with uow:
        viewer = _require_desk_agent(uow, principal, filter_.desk_id)
        return uow.tickets.count(viewer, {"total": filter_})["total"]


def customer_context(uow: UnitOfWork, principal: Principal, ref: str) -> tuple[RequestView, dict[int, str], list]:
    """The request's reporter with their organisations and their other latest requests on the desk."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        if not viewer.is_agent_for(ticket.desk_id):
            raise Forbidden("Only the desk's agents see the customer's context.")
        organizations = uow.accounts.organizations(uow.accounts.organization_ids(ticket.reporter_id))
        found, _last = uow.tickets.search(viewer, RequestFilter(ownership=("ALL_REQUESTS",), desk_id=ticket.desk_id,
                                                                reporter=ticket.reporter_id), 0, RECENT + 1)
        others = views(uow, [t for t in found if t.id != ticket.id][:RECENT])
        return views(uow, [ticket])[0], organizations, others


def bulk_change(new_uow: Callable[[], UnitOfWork], principal: Principal, keys: list[str], assignee=UNCHANGED,
                transition_id: str | None = None) -> list[dict]:
    """Assign and/or move each request in its own transaction; one result per key, in order."""
    if not principal.is_agent:
        raise Forbidden("Bulk changes are for agents.")
    results = []
    for key in dict.fromkeys(keys):  # each key once, in the order given
        try:
            _change_one(new_uow(), principal, key, assignee, transition_id)
        except ApiError as exc:
            results.append({"issueKey": key, "status": exc.status, "errorMessage": exc.message})
        else:
            results.append({"issueKey": key, "status": 200})
    logger.info("bulk change by %s: %d of %d requests changed", principal.id,
                sum(r["status"] == 200 for r in results), len(results))
    return results


def _change_one(uow: UnitOfWork, principal: Principal, key: str, assignee, transition_id: str | None) -> None:
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, key, for_update=True)
        actor, moment = actor_for(viewer, ticket.desk_id), now()
        if assignee is not UNCHANGED:
            ticket.assign(actor, assignee_for(uow, ticket, assignee), moment)
        if transition_id is not None:
            ticket.transition(actor, transition_id, moment)
        save_and_publish(uow, ticket)
        uow.commit()
