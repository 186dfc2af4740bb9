"""Use cases on customer requests: create, list, read, status history, transitions, edit, assign."""
from __future__ import annotations

import logging
from typing import Any

from common.auth import Principal
from common.errors import BadRequest, Forbidden, ValidationFailed

from ..domain.fields import validate_values
from ..domain.model import Ticket
from ..domain.status import Transition
from ..integration_events import to_cloud_events
from ..store.queries import RequestFilter
from ..store.uow import UnitOfWork
from .common import (
    RequestView, actor_for, domain_errors, load_visible, now, save_and_publish, viewer_for, views,
)

logger = logging.getLogger(__name__)


def _org_ids(raw: Any, errors: dict) -> set[int] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    out = set()
    for item in items:
        value = item.get("id") if isinstance(item, dict) else item
        try:
            out.add(int(str(value)))
        except (TypeError, ValueError):
            errors.setdefault("organizations", []).append(f"'{value}' is not an organisation id.")
    return out


def create_request(uow: UnitOfWork, principal: Principal, *, service_desk_id: Any, request_type_id: Any,
                   field_values: dict, participants: list[str] | None = None,
                   raise_on_behalf_of: str | None = None) -> RequestView:
    """Raise a request on a desk; returns it with its new key (``AM-1``, gap-free per desk)."""
    with uow:
        errors: dict[str, list[str]] = {}
        desk = uow.desks.get(service_desk_id) if service_desk_id not in (None, "") else None
        if desk is None or (not desk.active and not principal.is_agent):
            raise ValidationFailed(f"Service desk '{service_desk_id}' does not exist or is not open for requests.",
                                   errors={"serviceDeskId": ["Use an id listed by GET /servicedesk."]})
        request_type = uow.desks.request_type(desk.id, request_type_id) if request_type_id not in (None, "") else None
        if request_type is None:
            raise ValidationFailed(f"Request type '{request_type_id}' does not exist on desk {desk.key}.",
                                   errors={"requestTypeId": [f"Use an id listed by GET /servicedesk/{desk.id}/requesttype."]})
        reporter_id = principal.id
        if raise_on_behalf_of:
            if not principal.is_agent:
                raise Forbidden("Only agents can raise a request on behalf of someone else.")
            reporter = uow.accounts.resolve(raise_on_behalf_of)
            if reporter is None:
                errors["raiseOnBehalfOf"] = [f"No account '{raise_on_behalf_of}'."]
            else:
                reporter_id = reporter.id
        clean, field_errors = validate_values(list(request_type.fields), field_values or {})
        errors.update({f"requestFieldValues.{k}": v for k, v in field_errors.items()})
        participant_ids = set()
        for ref in participants or []:
            account = uow.accounts.resolve(ref)
            if account is None:
                errors.setdefault("requestParticipants", []).append(f"No account '{ref}'.")
            else:
                participant_ids.add(account.id)
        reporter_orgs = uow.accounts.organization_ids(reporter_id)
        org_ids = _org_ids((field_values or {}).get("organizations"), errors)
        if org_ids is None:
            org_ids = set(reporter_orgs) if len(reporter_orgs) == 1 else set()
        else:
            known = reporter_orgs if not principal.is_agent else set(uow.accounts.organizations(org_ids))
            for org in sorted(org_ids - set(known)):
                errors.setdefault("requestFieldValues.organizations", []).append(
                    f"You cannot share with organisation {org}: the reporter is not a member of it."
                    if not principal.is_agent else f"Organisation {org} does not exist.")
        if errors:
            raise ValidationFailed("The request is not valid: " + "; ".join(
                f"{k}: {' '.join(v)}" for k, v in errors.items()), errors=errors)
        ticket = Ticket.open(
            actor=actor_for(principal), desk_id=desk.id, request_type_id=request_type.id, reporter_id=reporter_id,
            summary=clean.pop("summary", ""), description=clean.pop("description", ""), field_values=clean,
            organization_ids=org_ids, participant_ids=participant_ids, now=now())
        ticket.number = uow.desks.next_ticket_number(desk.id)
        ticket.key = f"{desk.key}-{ticket.number}"
        uow.tickets.add(ticket)
        uow.publish(to_cloud_events(ticket, desk, uow.accounts.agent_ids()))
        view = views(uow, [ticket])[0]
        uow.commit()
    logger.info("request %s created by %s", ticket.key, principal.id)
    return view


def list_requests(uow: UnitOfWork, principal: Principal, filter_: RequestFilter, start: int, limit: int
                  ) -> tuple[list[RequestView], bool]:
    """One page of the requests the caller may see that match the filter, latest activity first."""
    with uow:
        viewer = viewer_for(uow, principal)
        found, last = uow.tickets.search(viewer, filter_, start, limit)
        return views(uow, found), last


def queue(uow: UnitOfWork, principal: Principal, filter_: RequestFilter, start: int, limit: int
          ) -> tuple[list[RequestView], bool]:
    """One page of an agent queue."""
    if not principal.is_agent:
        raise Forbidden("Queues are for agents.")
    with uow:
        if uow.desks.get(filter_.desk_id) is None:
            raise BadRequest(f"Service desk '{filter_.desk_id}' does not exist.")
    return list_requests(uow, principal, filter_, start, limit)


def get_request(uow: UnitOfWork, principal: Principal, ref: str) -> RequestView:
    """One request the caller may see (404 otherwise)."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return views(uow, [ticket])[0]


def status_history(uow: UnitOfWork, principal: Principal, ref: str, start: int, limit: int):
    """The request's statuses, most recent first."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return uow.tickets.status_history(ticket.id, start, limit)


def history(uow: UnitOfWork, principal: Principal, ref: str):
    """The request's full history with the people involved; customers never see internal notes."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        entries = uow.tickets.history(ticket.id, include_internal=principal.is_agent)
        return entries, uow.accounts.many(e.actor_id for e in entries)


def transitions(uow: UnitOfWork, principal: Principal, ref: str) -> list[Transition]:
    """The transitions the caller may perform now."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return ticket.transitions(actor_for(principal))


def perform_transition(uow: UnitOfWork, principal: Principal, ref: str, transition_id: str,
                       comment: str | None = None) -> None:
    """Move the request; an optional public comment goes with the move."""
    with uow, domain_errors():
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        actor, moment = actor_for(principal), now()
        ticket.transition(actor, transition_id, moment)
        if comment and comment.strip():
            # The comment explains the move; it must not trigger an automatic move of its own.
            ticket.comment(actor, comment, public=True, now=moment, auto_move=False)
        save_and_publish(uow, ticket)
        uow.commit()


def edit_request(uow: UnitOfWork, principal: Principal, ref: str, summary: str | None,
                 description: str | None) -> RequestView:
    """Change summary/description (reporter while waiting for support, agents always)."""
    with uow, domain_errors():
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        if summary is not None and len(summary) > 255:
            raise ValidationFailed("The summary is too long.", errors={"summary": ["At most 255 characters."]})
        ticket.edit(actor_for(principal), now(), summary=summary, description=description)
        save_and_publish(uow, ticket)
        view = views(uow, [ticket])[0]
        uow.commit()
        return view


def assign(uow: UnitOfWork, principal: Principal, ref: str, assignee_ref: str | None) -> RequestView:
    """Agents assign a request to an agent (by id or email) or unassign it."""
    with uow, domain_errors():
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        assignee_id = None
        if assignee_ref:
            assignee = uow.accounts.resolve(assignee_ref)
            if assignee is None or not assignee.is_agent:
                raise ValidationFailed(f"'{assignee_ref}' is not an agent.",
                                       errors={"accountId": ["Give the id or email of an agent."]})
            assignee_id = assignee.id
        ticket.assign(actor_for(principal), assignee_id, now())
        save_and_publish(uow, ticket)
        view = views(uow, [ticket])[0]
        uow.commit()
        return view
