"""What every use case shares: who is calling, loading a visible ticket, domain error mapping."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from common.auth import Principal
from common.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from common.events import utc_now

from ..domain.catalog import Account, Desk, RequestType
from ..domain.errors import DomainError, InvalidInput, InvalidState, NotPermitted
from ..domain.model import Actor, Ticket
from ..domain.visibility import TicketAccess, Viewer, can_view
from ..integration_events import to_cloud_events
from ..store.uow import UnitOfWork


def now() -> datetime:
    return utc_now()


def viewer_for(uow: UnitOfWork, principal: Principal) -> Viewer:
    """The caller with the organisations the replica says they belong to (read in this transaction)."""
    return Viewer(principal.id, principal.role, uow.accounts.organization_ids(principal.id))


def actor_for(principal: Principal) -> Actor:
    return Actor(principal.id, principal.is_agent)


def access(ticket: Ticket) -> TicketAccess:
    return TicketAccess(ticket.reporter_id, frozenset(ticket.participant_ids), frozenset(ticket.organization_ids))


def not_found(ref: str) -> NotFound:
    return NotFound(f"Request '{ref}' does not exist or you do not have permission to see it.")


def load_visible(uow: UnitOfWork, viewer: Viewer, ref: str, for_update: bool = False) -> Ticket:
    """The ticket if ``viewer`` may see it; otherwise the same 404 as for a ticket that does not exist."""
    ticket = uow.tickets.get(ref, for_update=for_update)
    if ticket is None or not can_view(viewer, access(ticket)):
        raise not_found(ref)
    return ticket


@contextmanager
def domain_errors():
    """Turn domain errors into the shared HTTP error table's exceptions."""
    try:
        yield
    except InvalidInput as exc:
        raise (ValidationFailed(exc.message, errors=exc.errors) if exc.errors else BadRequest(exc.message)) from exc
    except NotPermitted as exc:
        raise Forbidden(exc.message) from exc
    except InvalidState as exc:
        raise Conflict(exc.message) from exc
    except DomainError as exc:  # pragma: no cover - every kind is listed above
        raise BadRequest(exc.message) from exc


def save_and_publish(uow: UnitOfWork, ticket: Ticket, desk: Desk | None = None) -> None:
    """Persist the ticket's changes and queue its events in the outbox, in the caller's transaction."""
    uow.tickets.save(ticket)
    desk = desk or uow.desks.get(ticket.desk_id)
    uow.publish(to_cloud_events(ticket, desk, uow.accounts.agent_ids()))


@dataclass
class RequestView:
    """A ticket with what its JSM representation needs."""

    ticket: Ticket
    desk: Desk
    request_type: RequestType
    accounts: dict[str, Account] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)


def views(uow: UnitOfWork, tickets: list[Ticket]) -> list[RequestView]:
    """Read models for a page of tickets, with desks, request types and people loaded once each."""
    desks: dict[int, Desk] = {}
    types: dict[int, RequestType] = {}
    people = {t.reporter_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    people |= {p for t in tickets for p in t.participant_ids}
    accounts = uow.accounts.many(people)
    orgs = uow.accounts.organizations({o for t in tickets for o in t.organization_ids})
    out = []
    for t in tickets:
        if t.desk_id not in desks:
            desks[t.desk_id] = uow.desks.get(t.desk_id)
        if t.request_type_id not in types:
            types[t.request_type_id] = uow.desks.request_type_by_id(t.request_type_id)
        out.append(RequestView(t, desks[t.desk_id], types[t.request_type_id], accounts, orgs))
    return out
