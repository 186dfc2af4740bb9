"""Use cases on customer requests: create, list, read, status history, transitions, edit, assign."""
from __future__ import annotations

import logging
from typing import Any

from common.auth import Principal, is_admin
from common.errors import Forbidden, NotFound, ValidationFailed

from ..domain.fields import validate_values
from ..domain.ids import as_id
from ..domain.model import Ticket
from ..domain.status import Transition
from ..domain.visibility import can_use_desk, can_view
from ..store.queries import RequestFilter
from ..store.uow import UnitOfWork
from .common import (
    RequestView, access, actor_for, domain_errors, expand, involved, load_visible, not_found, now, page_views, publish,
    save_and_publish, viewer_for, views,
)
from .lag import UnknownPeople, only_unknown_references
from .people import resolve_participant

logger = logging.getLogger(__name__)

# History entries whose values are account ids, and those whose values are organisation ids.
PERSON_KINDS = frozenset({"participant_added", "participant_removed", "assignee"})
ORGANISATION_KINDS = frozenset({"shared", "unshared"})


def _org_ids(raw: Any, errors: dict) -> set[int] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    out = set()
    for item in items:
        value = item.get("id") if isinstance(item, dict) else item
        org = as_id(value)
        if org is None:
            errors.setdefault("organizations", []).append(f"'{value}' is not an organisation id.")
        else:
            out.add(org)
    return out


def create_request(uow: UnitOfWork, principal: Principal, *, service_desk_id: Any, request_type_id: Any,
                   field_values: dict, participants: list[str] | None = None,
                   raise_on_behalf_of: str | None = None, channel: str = "portal") -> RequestView:
    """Raise a request on a desk; returns it with its new key (``AM-1``, gap-free per desk).

    One transaction of a few statements: the caller (``UnitOfWork.on_begin``), the desk with its
    request type and agents, the ticket's rows, the desk's counter, the outbox.
    """
    with uow:
        errors: dict[str, list[str]] = {}
        unknown_accounts: list[str] = []
        viewer = viewer_for(uow, principal)
        desk, request_type, agent_ids = (uow.desks.for_new_request(service_desk_id, request_type_id)
                                         if service_desk_id not in (None, "") else (None, None, []))
        if desk is not None and desk.restricted and not viewer.is_agent_for(desk.id):
            usable = can_use_desk(viewer, desk, uow.desks.is_customer(desk.id, principal.id))
        else:
            usable = desk is not None and can_use_desk(viewer, desk, False)
        if not usable:
            raise ValidationFailed(f"Service desk '{service_desk_id}' does not exist or is not open for requests.",
                                   errors={"serviceDeskId": ["Use an id listed by GET /servicedesk."]})
        if request_type is None or request_type_id in (None, ""):
            raise ValidationFailed(f"Request type '{request_type_id}' does not exist on desk {desk.key}.",
                                   errors={"requestTypeId": [f"Use an id listed by GET /servicedesk/{desk.id}/requesttype."]})
        reporter_id, reporter_orgs = principal.id, viewer.organization_ids
        is_agent = viewer.is_agent_for(desk.id)
        if raise_on_behalf_of:
            if not is_agent:
                raise Forbidden("Only agents of this service desk can raise a request on behalf of someone else.")
            reporter = uow.accounts.resolve(raise_on_behalf_of)
            if reporter is None:
                errors["raiseOnBehalfOf"] = [f"No account '{raise_on_behalf_of}'."]
                unknown_accounts.append(raise_on_behalf_of)
            elif reporter.id != principal.id:
                reporter_id, reporter_orgs = reporter.id, uow.accounts.organization_ids(reporter.id)
        clean, field_errors = validate_values(list(request_type.fields), field_values or {})
        errors.update({f"requestFieldValues.{k}": v for k, v in field_errors.items()})
        participant_ids = set()
        for ref in participants or []:
            account = resolve_participant(uow, viewer, desk, ref)
            if account is None:
                errors.setdefault("requestParticipants", []).append(f"No account '{ref}'.")
                unknown_accounts.append(ref)
            else:
                participant_ids.add(account.id)
        unknown_orgs: list[int] = []
        org_ids = _org_ids((field_values or {}).get("organizations"), errors)
        if org_ids is None:
            org_ids = set(reporter_orgs) if len(reporter_orgs) == 1 else set()
        else:
            known = reporter_orgs if not is_agent else set(uow.accounts.organizations(org_ids))
            for org in sorted(org_ids - set(known)):
                unknown_orgs.append(org)
                errors.setdefault("requestFieldValues.organizations", []).append(
                    f"You cannot share with organisation {org}: the reporter is not a member of it."
                    if not is_agent else f"Organisation {org} does not exist.")
        if errors:
            # Participants, the reporter on whose behalf and (for agents) organisations may be
            # accounts and organisations identity has just created.
            references = {"requestParticipants", "raiseOnBehalfOf"} | ({"requestFieldValues.organizations"}
                                                                       if is_agent else set())
            message = "The request is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
            if only_unknown_references(errors, references):
                raise UnknownPeople(message, errors=errors).naming(
                    accounts=unknown_accounts, organisations=unknown_orgs if is_agent else ())
            raise ValidationFailed(message, errors=errors)
        ticket = Ticket.open(
            actor=actor_for(viewer, desk.id), desk_id=desk.id, request_type_id=request_type.id, reporter_id=reporter_id,
            summary=clean.pop("summary", ""), description=clean.pop("description", ""), field_values=clean,
            organization_ids=org_ids, participant_ids=participant_ids, now=now(), channel=channel)
        # The desk's counter is locked from its number to the commit: the ticket's other rows and the
        # outbox's travel with the COMMIT (PostgreSQL), or only the outbox row comes after (SQLite).
        with uow.committing():
            if not uow.tickets.add(ticket, numbering=desk.key):
                ticket.number = uow.desks.number_ticket(desk, ticket.id)
            ticket.key = f"{desk.key}-{ticket.number}"
            publish(uow, ticket, desk, agent_ids)
            known_people = {principal.id: uow.caller_account} if uow.caller_account is not None else {}
            view = views(uow, [ticket], {desk.id: desk}, {request_type.id: request_type}, known_people,
                         uow.caller_organizations)[0]
    logger.info("request %s created by %s", ticket.key, principal.id)
    return view


def list_requests(uow: UnitOfWork, principal: Principal, filter_: RequestFilter, start: int, limit: int,
                  expands: frozenset[str] = frozenset()) -> tuple[list[RequestView], bool]:
    """One page of the requests the caller may see that match the filter, latest activity first."""
    with uow:
        viewer = viewer_for(uow, principal)
        found, last, known = uow.tickets.page(viewer, filter_, start, limit)
        out = page_views(uow, found, known)
        expand(uow, viewer, out, expands)
        return out, last


def queue(uow: UnitOfWork, principal: Principal, filter_: RequestFilter, start: int, limit: int
          ) -> tuple[list[RequestView], bool, int]:
    """One page of an agent queue, whether it is the last, and how many requests the queue holds."""
    if not principal.is_agent:
        raise Forbidden("Queues are for agents.")
    with uow:
        viewer = viewer_for(uow, principal)
        # A desk the agent does not work on is answered like one that does not exist. An agent's desks
        # exist (desk_agents refers to them); only an admin's desk is looked up.
        if not viewer.is_agent_for(filter_.desk_id) or (viewer.is_admin and uow.desks.get(filter_.desk_id) is None):
            raise NotFound(f"Service desk '{filter_.desk_id}' does not exist or you are not one of its agents.")
        found, last, known = uow.tickets.page(viewer, filter_, start, limit, count=True)
        total = known.total if known.total is not None else uow.tickets.count(viewer, {"total": filter_})["total"]
        return page_views(uow, found, known), last, total


def get_request(uow: UnitOfWork, principal: Principal, ref: str, expands: frozenset[str] = frozenset()
                ) -> RequestView:
    """One request the caller may see (404 otherwise)."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket, known = uow.tickets.get_with_context(ref)
        if ticket is None or not can_view(viewer, access(ticket)):
            raise not_found(ref)
        out = page_views(uow, [ticket], known)
        expand(uow, viewer, out, expands)
        out[0].subscribed = ticket.hears(viewer.account_id, involved(viewer, ticket))
        return out[0]


def status_history(uow: UnitOfWork, principal: Principal, ref: str, start: int, limit: int):
    """The request's statuses, most recent first."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return uow.tickets.status_history(ticket.id, start, limit)


def history(uow: UnitOfWork, principal: Principal, ref: str):
    """The request's full history with the people involved; customers never see internal notes."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        entries = uow.tickets.history(ticket.id, include_internal=viewer.is_agent_for(ticket.desk_id))
        named = {v for e in entries if e.kind in PERSON_KINDS for v in (e.from_value, e.to_value) if v}
        orgs = {int(v) for e in entries if e.kind in ORGANISATION_KINDS for v in (e.from_value, e.to_value)
                if v and v.isdigit()}
        return entries, uow.accounts.many({e.actor_id for e in entries} | named), uow.accounts.organizations(orgs)


def transitions(uow: UnitOfWork, principal: Principal, ref: str) -> list[Transition]:
    """The transitions the caller may perform now."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        return ticket.transitions(actor_for(viewer, ticket.desk_id))


def perform_transition(uow: UnitOfWork, principal: Principal, ref: str, transition_id: str,
                       comment: str | None = None) -> None:
    """Move the request; an optional public comment goes with the move."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        actor, moment = actor_for(viewer, ticket.desk_id), now()
        ticket.transition(actor, transition_id, moment)
        if comment and comment.strip():
            # The comment explains the move; it must not trigger an automatic move of its own.
            ticket.comment(actor, comment, public=True, now=moment, auto_move=False)
        save_and_publish(uow, ticket)
        uow.commit()


def edit_request(uow: UnitOfWork, principal: Principal, ref: str, summary: str | None,
                 description: str | None, fields: dict | None = None) -> RequestView:
    """Change summary, description and other fields (reporter while waiting for support, agents always)."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        # The request type's field specs are the one rule for limits and required fields, as at creation.
        changes = {k: v for k, v in (("summary", summary), ("description", description)) if v is not None}
        specs = [s for s in uow.desks.request_type_by_id(ticket.request_type_id).fields if s.field_id in changes]
        _, errors = validate_values(specs, changes)
        if errors:
            raise ValidationFailed("The request is not valid: " + "; ".join(
                f"{k}: {' '.join(v)}" for k, v in errors.items()), errors=errors)
        clean = _edited_fields(uow, ticket, fields) if fields else None
        ticket.edit(actor_for(viewer, ticket.desk_id), now(), summary=summary, description=description, fields=clean)
        save_and_publish(uow, ticket)
        view = views(uow, [ticket])[0]
        uow.commit()
        return view


def _edited_fields(uow: UnitOfWork, ticket: Ticket, fields: dict) -> dict:
    """The other fields an edit sets, validated against the request type (empty clears a field)."""
    specs = [s for s in uow.desks.request_type_by_id(ticket.request_type_id).fields
             if s.field_id not in ("summary", "description")]
    unknown = {k: [f"'{k}' is not a field of this request type."] for k in fields if k not in {s.field_id for s in specs}}
    given = [s for s in specs if s.field_id in fields]
    clean, errors = validate_values(given, fields)
    errors = {**unknown, **errors}
    if errors:
        raise ValidationFailed("The fields are not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                               errors={f"requestFieldValues.{k}": v for k, v in errors.items()})
    return {s.field_id: clean.get(s.field_id) for s in given}


def assignee_for(uow: UnitOfWork, ticket: Ticket, assignee_ref: str | None) -> str | None:
    """The account id of an agent of the ticket's desk given by id or email (None: unassigned)."""
    if not assignee_ref:
        return None
    assignee = uow.accounts.resolve(assignee_ref)
    works_here = assignee is not None and assignee.is_agent and (
        is_admin(assignee.role) or ticket.desk_id in uow.desks.agent_desk_ids(assignee.id))
    if not works_here:
        raise ValidationFailed(f"'{assignee_ref}' is not an agent of this service desk.",
                               errors={"accountId": ["Give the id or email of an agent of the desk."]})
    return assignee.id


def assign(uow: UnitOfWork, principal: Principal, ref: str, assignee_ref: str | None) -> RequestView:
    """Agents assign a request to an agent (by id or email) or unassign it."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        assignee_id = assignee_for(uow, ticket, assignee_ref)
        ticket.assign(actor_for(viewer, ticket.desk_id), assignee_id, now())
        save_and_publish(uow, ticket)
        view = views(uow, [ticket])[0]
        uow.commit()
        return view


def emails(uow: UnitOfWork, principal: Principal, ref: str) -> list:
    """The emails the request and its comments came from, whole; for the desk's agents only."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        if not viewer.is_agent_for(ticket.desk_id):
            raise Forbidden("Only the desk's agents can read the original emails of a request.")
        return uow.tickets.emails(ticket.id)
