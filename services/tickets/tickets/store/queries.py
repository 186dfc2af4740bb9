"""SQL for ticket lists: the visibility rule as a WHERE clause, ownership, status and text filters.

``visible_to`` must agree with ``tickets.domain.visibility.can_view`` on every row of its truth
table; the integration tests check both against the same table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.sql import ColumnElement, Select

from common.auth import AGENT

from ..domain.status import DONE, OPEN, Status
from ..domain.visibility import Viewer
from .tables import ticket_participants, ticket_shares, tickets

# APPROVER: requests awaiting the caller's approval; there are no approvals here, so it matches none.
OWNERSHIPS = ("OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "APPROVER", "ORGANIZATION", "ALL_ORGANIZATIONS",
              "ALL_REQUESTS")
DEFAULT_OWNERSHIP = ("OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ALL_ORGANIZATIONS")
STATUSES = ("OPEN_REQUESTS", "CLOSED_REQUESTS", "ALL_REQUESTS")
QUEUES = ("unassigned", "mine", "waiting", "open", "all")


def _is_participant(account_id: str) -> ColumnElement:
    return exists().where(ticket_participants.c.ticket_id == tickets.c.id,
                          ticket_participants.c.account_id == account_id)


def _shared_with_any(org_ids) -> ColumnElement:
    org_ids = sorted(org_ids)
    if not org_ids:
        return false()
    return exists().where(ticket_shares.c.ticket_id == tickets.c.id, ticket_shares.c.organization_id.in_(org_ids))


def visible_to(viewer: Viewer) -> ColumnElement:
    """The visibility rule as SQL over ``tickets``."""
    if viewer.is_admin:
        return true()
    parts = [tickets.c.reporter_id == viewer.account_id, _is_participant(viewer.account_id),
             _shared_with_any(viewer.organization_ids)]
    if viewer.role == AGENT and viewer.desk_ids:
        parts.append(tickets.c.desk_id.in_(sorted(viewer.desk_ids)))
    return or_(*parts)


@dataclass(frozen=True)
class RequestFilter:
    ownership: tuple[str, ...] = DEFAULT_OWNERSHIP
    organization_id: int | None = None
    status: str = "ALL_REQUESTS"
    search: str | None = None
    desk_id: int | None = None
    request_type_id: int | None = None
    statuses: tuple[Status, ...] = field(default_factory=tuple)
    assignee: str | None = None  # an account id, or "" for unassigned
    # Console filters: requests shared with this organisation, raised by this account; the order.
    shared_with: int | None = None
    reporter: str | None = None
    sort: str = "-updated"


def _ownership(viewer: Viewer, f: RequestFilter) -> ColumnElement:
    parts = []
    for kind in f.ownership:
        if kind == "OWNED_REQUESTS":
            parts.append(tickets.c.reporter_id == viewer.account_id)
        elif kind == "PARTICIPATED_REQUESTS":
            parts.append(_is_participant(viewer.account_id))
        elif kind == "ALL_ORGANIZATIONS":
            parts.append(_shared_with_any(viewer.organization_ids))
        elif kind == "ORGANIZATION" and f.organization_id is not None:
            allowed = viewer.is_agent or f.organization_id in viewer.organization_ids
            parts.append(_shared_with_any({f.organization_id}) if allowed else false())
        elif kind == "ALL_REQUESTS":
            parts.append(true())
        # APPROVER adds nothing: no request awaits an approval.
    return or_(*parts) if parts else false()


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return "%" + escaped.replace("*", "%") + "%"


def search_condition(term: str) -> ColumnElement:
    """JSM's ``searchTerm``: every word of it in the summary, in any order and not necessarily adjacent
    (``printer fire`` finds "Printer on fire"); ``*`` is a wildcard (``print*``); case does not matter.
    A request key (``AM-12``) finds that request. The one place this rule is written."""
    words = [w for w in (w.strip("*") for w in term.split()) if w]
    if not words:
        return true()
    every_word = and_(*(tickets.c.summary.ilike(_like(w), escape="\\") for w in words))
    return or_(every_word, tickets.c.key == term.strip().upper())


# Sortable columns (``sort=created`` ascending, ``sort=-created`` descending); ties go to the newest id.
SORTS = {"key": tickets.c.number, "summary": tickets.c.summary, "status": tickets.c.status,
         "created": tickets.c.created_at, "updated": tickets.c.last_activity_at}


def conditions(viewer: Viewer, f: RequestFilter) -> ColumnElement:
    """The WHERE clause of the tickets ``viewer`` may see that match ``f``."""
    conds = [visible_to(viewer), _ownership(viewer, f)]
    if f.status == "OPEN_REQUESTS":
        conds.append(tickets.c.status.in_([s.value for s in OPEN]))
    elif f.status == "CLOSED_REQUESTS":
        conds.append(tickets.c.status.in_([s.value for s in DONE]))
    if f.statuses:
        conds.append(tickets.c.status.in_([s.value for s in f.statuses]))
    if f.search:
        conds.append(search_condition(f.search))
    if f.desk_id is not None:
        conds.append(tickets.c.desk_id == f.desk_id)
    if f.request_type_id is not None:
        conds.append(tickets.c.request_type_id == f.request_type_id)
    if f.assignee is not None:
        conds.append(tickets.c.assignee_id.is_(None) if f.assignee == "" else tickets.c.assignee_id == f.assignee)
    if f.shared_with is not None:
        conds.append(_shared_with_any({f.shared_with}))
    if f.reporter is not None:
        conds.append(tickets.c.reporter_id == f.reporter)
    return and_(*conds)


def _order(sort: str):
    column = SORTS.get(sort.lstrip("-"), tickets.c.last_activity_at)
    descending = sort.startswith("-") or sort.lstrip("-") not in SORTS
    return (column.desc() if descending else column.asc()), tickets.c.id.desc()


def request_query(viewer: Viewer, f: RequestFilter) -> Select:
    """Ids of the tickets ``viewer`` may see that match ``f``, latest activity first unless sorted."""
    return select(tickets.c.id).where(conditions(viewer, f)).order_by(*_order(f.sort))


def count_query(viewer: Viewer, filters: dict[str, RequestFilter]) -> Select:
    """One row: how many tickets match each named filter (one statement for every queue)."""
    return select(*[func.count().filter(conditions(viewer, f)).label(name) for name, f in filters.items()]
                  ).select_from(tickets)


def queue_filter(queue: str, desk_id: int, agent_id: str) -> RequestFilter:
    """The fixed agent queues of a desk as request filters."""
    base = dict(ownership=("ALL_REQUESTS",), desk_id=desk_id)
    if queue == "unassigned":
        return RequestFilter(status="OPEN_REQUESTS", assignee="", **base)
    if queue == "mine":
        return RequestFilter(status="OPEN_REQUESTS", assignee=agent_id, **base)
    if queue == "waiting":
        return RequestFilter(statuses=(Status.WAITING_FOR_CUSTOMER,), **base)
    if queue == "open":
        return RequestFilter(status="OPEN_REQUESTS", **base)
    return RequestFilter(**base)
