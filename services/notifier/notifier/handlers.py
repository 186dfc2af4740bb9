"""Event handlers: keep the accounts replica current and mail the people an event concerns.

Each handler runs inside the worker's transaction (``common.bus.consumer.Worker``): the inbox row
commits after it returns, and sending happens inside it through ``Mailer`` (see there for the one
window in which an email can be sent twice).
"""
from __future__ import annotations

import logging
from datetime import datetime

from marshmallow import Schema
from sqlalchemy.orm import Session

import common.contracts.identity  # noqa: F401  (registers the identity contracts in REGISTRY)
from common.contracts import REGISTRY, validate_payload
from common.contracts.tickets import TicketFields
from common.events import CloudEvent

from .domain.links import check_key, mute_url, ticket_url
from .domain.model import CUSTOMER, Account, Recipient
from .domain.recipients import audience_ids, select_recipients
from .languages import email_language
from .mailer import Mailer
from .store import accounts as account_store

logger = logging.getLogger(__name__)

ACCOUNT_EVENTS = ("account.created.v1", "account.updated.v1")
IDENTITY_EVENTS = ACCOUNT_EVENTS + ("customer.invited.v1", "customer.signed_up.v1", "password.reset_requested.v1")
TICKET_EVENTS = (
    "ticket.created.v1", "ticket.commented.v1", "ticket.status_changed.v1",
    "ticket.participants_changed.v1", "ticket.shared.v1",
)
_LINK_EMAILS = {
    "customer.invited.v1": "invitation",
    "customer.signed_up.v1": "signup",
    "password.reset_requested.v1": "password_reset",
}


def load(event: CloudEvent, fallback: type[Schema] | None = None) -> dict:
    """The event's payload checked against its contract (or ``fallback`` until a contract exists)."""
    if fallback is not None and event.type not in REGISTRY:
        return fallback().load(event.data)
    return validate_payload(event)


class Handlers:
    def __init__(self, mailer: Mailer, public_url: str):
        self.mailer = mailer
        self.public_url = public_url.rstrip("/")

    def table(self) -> dict:
        """Routing key -> handler, for every event the notifier binds to."""
        handlers = {key: self.on_account for key in ACCOUNT_EVENTS}
        handlers.update({key: self.on_link_email for key in _LINK_EMAILS})
        handlers.update({
            "ticket.created.v1": self.on_ticket_created,
            "ticket.commented.v1": self.on_ticket_commented,
            "ticket.status_changed.v1": self.on_ticket_status_changed,
            "ticket.participants_changed.v1": self.on_participants_changed,
            "ticket.shared.v1": self.on_ticket_shared,
        })
        return handlers

    # identity.events

    def on_account(self, session: Session, event: CloudEvent) -> None:
        """Upsert the account into the replica (an older event never overwrites a newer one)."""
        data = load(event)
        account = Account(
            id=data["accountId"], email=data["email"], display_name=data.get("displayName"),
            # Kept as chosen (not reduced to the languages written today); rendering picks the language.
            language=(data["language"] or "en")[:10], role=data["role"], active=data["active"],
        )
        as_of = datetime.fromisoformat(event.time.replace("Z", "+00:00"))
        if not account_store.upsert(session, account, as_of):
            logger.info("ignoring stale %s for account %s", event.type, account.id)

    def on_link_email(self, session: Session, event: CloudEvent) -> None:
        """Invitation, sign-up and password-reset emails: the address and link come in the event."""
        data = load(event)
        recipient = Recipient(
            email=data["email"], language=email_language(data.get("language")), side=CUSTOMER,
            display_name=data.get("displayName"), account_id=data.get("accountId"),
        )
        context = {"display_name": data.get("displayName"), "link": data["link"],
                   "expires_at": data.get("expiresAt")}
        self.mailer.deliver(session, event.id, _LINK_EMAILS[event.routing_key], recipient, context)

    # tickets.events

    def on_ticket_created(self, session: Session, event: CloudEvent) -> None:
        self._mail_audience(session, event, "ticket_created", load(event))

    def on_ticket_commented(self, session: Session, event: CloudEvent) -> None:
        data = load(event)
        # An internal note never reaches a customer, whatever the audience says.
        self._mail_audience(session, event, "ticket_commented", data, customers=bool(data["public"]),
                            extra={"body": data["body"], "public": data["public"]})

    def on_ticket_status_changed(self, session: Session, event: CloudEvent) -> None:
        data = load(event)
        self._mail_audience(session, event, "ticket_status_changed", data,
                            extra={"from_status": data["fromStatus"], "to_status": data["toStatus"]})

    def on_participants_changed(self, session: Session, event: CloudEvent) -> None:
        """Tell the customers just added; the others in the audience already follow the request."""
        data = load(event, TicketFields)
        added = set(data.get("added") or [])
        audience = {"customers": [i for i in data["audience"]["customers"] if i in added], "agents": []}
        self._mail_audience(session, event, "participant_added", {**data, "audience": audience}, agents=False)

    def on_ticket_shared(self, session: Session, event: CloudEvent) -> None:
        """Bound so the queue never dead-letters it; sharing is announced by the portal, not by email."""
        load(event, TicketFields)

    def _mail_audience(self, session: Session, event: CloudEvent, kind: str, data: dict,
                       customers: bool = True, agents: bool = True, extra: dict | None = None) -> None:
        key = check_key(data["key"])
        audience = data["audience"]
        actor_id = data.get("actorId")
        known = account_store.find(session, audience_ids(audience) + ([actor_id] if actor_id else []))
        # Raises UnknownAccounts when an account event has not arrived yet: the worker retries later.
        recipients = select_recipients(audience, known, actor_id, customers, agents)
        actor = known.get(actor_id) if actor_id else None
        for recipient in recipients:
            context = {
                "key": key, "summary": data["summary"], "desk_name": data["deskName"],
                "status": data["status"], "side": recipient.side,
                "actor_name": (actor.display_name or None) if actor else None,
                "url": ticket_url(self.public_url, key, recipient.side),
                "mute_url": mute_url(self.public_url, key) if recipient.side == CUSTOMER else None,
                **(extra or {}),
            }
            self.mailer.deliver(session, event.id, kind, recipient, context, ticket_key=key,
                                unsubscribe_url=context["mute_url"])
