"""Keeps the local replica of identity's accounts and organisation memberships up to date.

Each handler runs inside the worker's transaction (with the inbox row), so a redelivered event is
applied once. Organisation ids are integers in this database; events carry them as strings.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from common.auth import CUSTOMER, Principal
from common.events import CloudEvent, utc_now
from common.outbox import Outbox

from .domain.catalog import Account
from .store.accounts import AccountRepository
from .store.tables import outbox as outbox_table
from .store.uow import UnitOfWork

logger = logging.getLogger(__name__)
Handler = Callable[[Session, CloudEvent], None]


def _account_handler(box: Outbox, on_account: Callable[[UnitOfWork, Account], None] | None = None) -> Handler:
    def handle(session: Session, event: CloudEvent) -> None:
        d = event.data
        account = Account(id=d["accountId"], email=d["email"], display_name=d.get("displayName"),
                          language=d.get("language") or "en", role=d.get("role") or CUSTOMER,
                          active=bool(d.get("active", True)))
        AccountRepository(session).upsert(account)
        if account.active:
            uow = UnitOfWork.within(session, box)
            _resolve_waiting(uow, account)
            if on_account is not None:
                on_account(uow, account)

    return handle


def _resolve_waiting(uow: UnitOfWork, account: Account) -> None:
    """What waited for this email: desk memberships and participant invitations."""
    desks = uow.desks.resolve_pending_agent(account.email, account.id)
    if desks:
        logger.info("account %s joined desks %s as agent", account.id, desks)
        _announce_agents(uow.session, uow.outbox, desks)
    from .services.common import publish  # the services import the store; keep the replica importable alone

    for ticket_id in uow.tickets.invited_ticket_ids(account.email):
        ticket = uow.tickets.get(str(ticket_id), for_update=True)
        if ticket is not None and ticket.accept_invitation(account.email, account.id, utc_now()):
            uow.tickets.save(ticket)
            publish(uow, ticket)
            logger.info("invited participant %s joined %s", account.id, ticket.key)


def _org_id(event: CloudEvent) -> int:
    return int(str(event.data["organizationId"]))


def _org_saved(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).save_organization(_org_id(event), event.data["name"], event.data.get("createdBy"))


def _org_deleted(session: Session, event: CloudEvent) -> None:
    # Members lose the organisation's view at once: shares stay on the tickets, the members go.
    AccountRepository(session).delete_organization(_org_id(event))


def _member_added(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).add_member(_org_id(event), event.data["accountId"])


def _member_removed(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).remove_member(_org_id(event), event.data["accountId"])


def handlers(exchange: str, on_account: Callable[[UnitOfWork, Account], None] | None = None
             ) -> dict[str, Handler]:
    """Handlers by routing key; ``exchange`` is where ticket events they cause are published.

    ``on_account`` also runs for every active account event (the email channel raises the requests
    that waited for a new customer's account).
    """
    account = _account_handler(Outbox(outbox_table, exchange), on_account)
    return {
        "account.created.v1": account,
        "account.updated.v1": account,
        "organisation.created.v1": _org_saved,
        "organisation.renamed.v1": _org_saved,
        "organisation.deleted.v1": _org_deleted,
        "organisation.member_added.v1": _member_added,
        "organisation.member_removed.v1": _member_removed,
    }


HANDLERS = handlers("tickets.events")  # for tests and tools without a BUS_PREFIX


def _announce_agents(session: Session, box: Outbox, desk_ids) -> None:
    from . import desk_events
    from .store.desks import DeskRepository

    box.add(session, [desk_events.agents_changed(session, DeskRepository(session).get(d)) for d in desk_ids])


def remember_caller(session: Session, principal: Principal, box: Outbox | None = None) -> None:
    """Insert the caller's replica row from token claims if identity's event has not arrived yet.

    Desk memberships waiting for the caller's email start at once (invitations wait for the event,
    which also publishes what they cause).
    """
    AccountRepository(session).upsert(Account(
        id=principal.id, email=principal.email, display_name=principal.name, language=principal.language,
        role=principal.role, active=True), only_if_missing=True)
    if principal.email and principal.is_agent:
        from .store.desks import DeskRepository

        desks = DeskRepository(session).resolve_pending_agent(principal.email, principal.id)
        if desks and box is not None:
            _announce_agents(session, box, desks)
