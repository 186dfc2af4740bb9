"""What every use case shares: who is calling, loading a visible ticket, domain error mapping."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from common.auth import AGENT, Principal
from common.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from common.events import utc_now

from ..domain.catalog import Account, Desk, RequestType
from ..domain.errors import DomainError, InvalidInput, InvalidState, NotPermitted, TooLarge
from ..domain.model import Actor, Ticket
from ..domain.visibility import TicketAccess, Viewer, can_view
from ..integration_events import to_cloud_events
from ..store.uow import UnitOfWork


def now() -> datetime:
    return utc_now()


def viewer_for(uow: UnitOfWork, principal: Principal) -> Viewer:
    """The caller with their organisations and, for agents, their desks (read in this transaction)."""
    known = getattr(uow, "viewer", None)
    if known is not None and known.account_id == principal.id and known.role == principal.role:
        return known  # read by the unit of work's first statement (tickets.api.caller.check_caller)
    desks = uow.desks.agent_desk_ids(principal.id) if principal.role == AGENT else frozenset()
    return Viewer(principal.id, principal.role, uow.accounts.organization_ids(principal.id), desks)


def actor_for(viewer: Viewer, desk_id: int) -> Actor:
    """The caller acting on a ticket of ``desk_id``: an agent only on the desks they work on."""
    return Actor(viewer.account_id, viewer.is_agent_for(desk_id))


def involved(viewer: Viewer, ticket: Ticket) -> bool:
    """Reporter, participant or desk agent: hears by default; organisation members must opt in."""
    return ticket.is_involved_customer(viewer.account_id) or viewer.is_agent_for(ticket.desk_id)


def access(ticket: Ticket) -> TicketAccess:
    return TicketAccess(reporter_id=ticket.reporter_id, desk_id=ticket.desk_id,
                        participant_ids=frozenset(ticket.participant_ids),
                        organization_ids=frozenset(ticket.organization_ids))


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
    except TooLarge as exc:
        raise PayloadTooLarge(exc.message) from exc
    except DomainError as exc:  # pragma: no cover - every kind is listed above
        raise BadRequest(exc.message) from exc


def publish(uow: UnitOfWork, ticket: Ticket, desk: Desk | None = None, agent_ids: list[str] | None = None) -> None:
    """Queue the ticket's recorded events in the outbox with their audiences (desk agents, watchers)."""
    if not ticket.events:
        return
    desk = desk or uow.desks.get(ticket.desk_id)
    # An opted-in organisation member hears only while the ticket is still shared with one of their orgs.
    members = uow.accounts.members_of(ticket.organization_ids) if ticket.watcher_ids else set()
    agents = agent_ids if agent_ids is not None else uow.desks.agent_ids(desk.id)
    uow.publish(to_cloud_events(ticket, desk, agents, ticket.watcher_ids & members))


def save_and_publish(uow: UnitOfWork, ticket: Ticket, desk: Desk | None = None) -> None:
    """Persist the ticket's changes and queue its events in the outbox, in the caller's transaction."""
    uow.tickets.save(ticket)
    publish(uow, ticket, desk)


@dataclass
class RequestView:
    """A ticket with what its JSM representation needs."""

    ticket: Ticket
    desk: Desk
    request_type: RequestType
    accounts: dict[str, Account] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)
    # Filled only for ``expand=``: status history, the comments the caller may read, what they may do.
    statuses: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    actions: dict[str, bool] = field(default_factory=dict)
    # ``expand=attachment`` and ``comment.attachment``.
    attachments: list = field(default_factory=list)
    comment_attachments: dict = field(default_factory=dict)
    # Whether the caller gets this request's notifications (``get_request`` fills it).
    subscribed: bool = False


EXPANDS = frozenset({"serviceDesk", "requestType", "participant", "status", "action", "comment", "attachment",
                     "comment.attachment"})
EXPAND_PAGE = 50


def expand(uow: UnitOfWork, viewer: Viewer, found: list[RequestView], wanted: frozenset[str]) -> None:
    """Load what ``expand=status,comment,action,attachment,comment.attachment`` asks for, in the caller's
    transaction: one statement for the whole page, whatever it asks (never one per request)."""
    kinds = {k for k in ("status", "comment") if k in wanted}
    if wanted & {"attachment", "comment.attachment"}:
        kinds.add("attachment")
    if kinds and found:
        # Customers never see internal notes or what was attached with them, in an expansion as anywhere else.
        internal_for = {v.ticket.id for v in found if viewer.is_agent_for(v.ticket.desk_id)}
        loaded = uow.tickets.expansions([v.ticket.id for v in found], kinds, internal_for, EXPAND_PAGE)
        for view in found:
            tid = view.ticket.id
            view.statuses = loaded.statuses[tid] if "status" in wanted else []
            view.comments = loaded.comments[tid] if "comment" in wanted else []
            if "attachment" in wanted:
                view.attachments = loaded.attachments[tid][:EXPAND_PAGE]
            if "comment.attachment" in wanted:
                view.comment_attachments = {c.id: [a for a in loaded.attachments[tid] if a.comment_id == c.id]
                                            for c in view.comments}
            view.accounts.update(loaded.authors)
    if "action" in wanted:
        for view in found:
            t = view.ticket
            manager = viewer.is_agent_for(t.desk_id) or t.is_involved_customer(viewer.account_id)
            view.actions = {"addAttachment": True, "addComment": True, "addParticipant": manager,
                            "removeParticipant": manager}


def views(uow: UnitOfWork, tickets: list[Ticket], desks: dict[int, Desk] | None = None,
          types: dict[int, RequestType] | None = None, accounts: dict[str, Account] | None = None,
          organizations: dict[int, str] | None = None, complete: bool = False) -> list[RequestView]:
    """Read models for a page of tickets: desks, request types, people and organisations in one
    statement each, whatever the page's size (those the caller already holds are not read again;
    with ``complete`` the given desks, people and organisations are all there are)."""
    desks, types = dict(desks or {}), dict(types or {})
    accounts, orgs = dict(accounts or {}), dict(organizations or {})
    if (missing := {t.desk_id for t in tickets} - set(desks)):
        desks.update(uow.desks.many(missing))
    if missing := {t.request_type_id for t in tickets} - set(types):
        types.update(uow.desks.request_types_by_ids(missing))
    people = {t.reporter_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    people |= {p for t in tickets for p in t.participant_ids}
    if (missing := people - set(accounts)) and not complete:
        accounts.update(uow.accounts.many(missing))
    if (missing := {o for t in tickets for o in t.organization_ids} - set(orgs)) and not complete:
        orgs.update(uow.accounts.organizations(missing))
    return [RequestView(t, desks[t.desk_id], types[t.request_type_id], accounts, orgs) for t in tickets]


def page_views(uow: UnitOfWork, tickets: list[Ticket], known) -> list[RequestView]:
    """``views`` of tickets read with their context (``TicketRepository.page``, ``get_with_context``):
    the desks, request types, accounts and organisations the page's statements already resolved (``Known``)."""
    return views(uow, tickets, known.desks, known.request_types, known.accounts,
                 {**uow.caller_organizations, **known.organizations}, complete=True)
