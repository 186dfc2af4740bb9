"""Handlers of the events identity consumes, each run by the worker inside its transaction."""
from __future__ import annotations

from typing import Callable

from marshmallow import ValidationError
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from common.contracts import validate_payload
from common.events import CloudEvent
from common.i18n import normalise

from .domain.model import InvalidEmail, LANGUAGES, normalise_email
from .services import participants
from .services.base import Deps
from .store.repository import Repository
from .store.uow import SessionUnitOfWork

PARTICIPANT_INVITED = "ticket.participant_invited.v1"
SENDER_INVITED = "mail.sender_invited.v1"


def _invite(deps: Deps, session: Session, data: dict, ticket: dict) -> None:
    """Give the email an external account and an invitation (``participants.invite_participant``)."""
    try:
        email = normalise_email(data["email"])
    except InvalidEmail as exc:
        raise ValidationError({"email": [str(exc)]}) from exc
    with SessionUnitOfWork(session, deps.outbox) as uow:
        participants.invite_participant(deps, uow, email=email, invited_by=data.get("invitedBy"),
                                        language=normalise(data["language"], LANGUAGES), ticket=ticket)


def participant_invited(deps: Deps) -> Callable[[Session, CloudEvent], None]:
    """Handler of ``ticket.participant_invited.v1``: invite the email as an external customer."""

    def handle(session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)  # common.contracts.tickets.TicketParticipantInvitedV1
        _invite(deps, session, data, {"ticketId": data["ticketId"], "key": data["key"], "summary": data["summary"],
                                      "deskName": data["deskName"]})

    return handle


def sender_invited(deps: Deps) -> Callable[[Session, CloudEvent], None]:
    """Handler of ``mail.sender_invited.v1``: an unknown sender's email waits for their external account.

    The same invitation as for a participant invited by email: tickets raises the request when
    ``account.created.v1`` reaches it, and the customer follows the link to set a password.
    """

    def handle(session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)  # common.contracts.mail.MailSenderInvitedV1
        _invite(deps, session, data, {"ticketId": None, "key": None, "summary": data["summary"],
                                      "deskName": data["deskName"]})

    return handle


def _desk_id(data: dict) -> int:
    return int(str(data["deskId"]))


def _ints(values) -> list[int]:
    return [int(str(v)) for v in values]


def desk_agents_changed(session: Session, event: CloudEvent) -> None:
    data = validate_payload(event)
    Repository(session).set_desk_agents(_desk_id(data), list(data["agentIds"]))


def desk_organizations_changed(session: Session, event: CloudEvent) -> None:
    data = validate_payload(event)
    Repository(session).set_desk_links(_desk_id(data), _ints(data["organizationIds"]))


def desk_customers_changed(session: Session, event: CloudEvent) -> None:
    data = validate_payload(event)
    repo = Repository(session)
    repo.desk_customers_listed(_desk_id(data), list(data["added"]), True)
    repo.desk_customers_listed(_desk_id(data), list(data["removed"]), False)


class TicketTouched:
    """Handler of a request's events: its reporter, participants and organisations are now touched by
    its desk, for good (``involved`` and ``shared`` are never cleared).

    So once the transaction that set one has committed, an event naming the same desk and account
    or organisation again changes nothing: the pairs committed are remembered (the latest
    ``remember`` of them) and skipped; the others are upserted, one statement per table.

    For the same reason the event needs no inbox row: handled twice, or out of order, it leaves what
    handling it once leaves (``idempotent``, read by ``identity.worker``).
    """

    idempotent = True

    def __init__(self, remember: int = 100_000):
        self.remember = remember
        self.known: dict[tuple, None] = {}  # insertion-ordered: the oldest go first

    def __call__(self, session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)
        desk = _desk_id(data)
        people = [p for p in {data["reporterId"], *data.get("participantIds", [])}
                  if p and ("account", desk, p) not in self.known]
        orgs = [o for o in set(_ints(data.get("organizationIds", []))) if ("organisation", desk, o) not in self.known]
        if not people and not orgs:
            return
        repo = Repository(session)
        repo.desk_customers_involved(desk, people)
        repo.desk_shared_with(desk, orgs)
        self._after_commit(session, [("account", desk, p) for p in people] + [("organisation", desk, o) for o in orgs])

    def _after_commit(self, session: Session, pairs: list[tuple]) -> None:
        pending = session.info.get(self)
        if pending is None:
            pending = session.info[self] = []
            sa_event.listen(session, "after_commit", lambda s: self._known(s.info.pop(self, ())))
            sa_event.listen(session, "after_rollback", lambda s: s.info.pop(self, None))
        pending.extend(pairs)

    def _known(self, pairs) -> None:
        for pair in pairs:
            self.known[pair] = None
        while len(self.known) > self.remember:
            del self.known[next(iter(self.known))]


def handlers(deps: Deps) -> dict[str, Callable[[Session, CloudEvent], None]]:
    """Routing key -> handler, as ``common.bus.consumer.Worker`` takes them."""
    ticket_touched = TicketTouched()
    return {
        PARTICIPANT_INVITED: participant_invited(deps),
        SENDER_INVITED: sender_invited(deps),
        # What desks touch, so agents reach only that (domain.scope).
        "desk.agents_changed.v1": desk_agents_changed,
        "desk.organizations_changed.v1": desk_organizations_changed,
        "desk.customers_changed.v1": desk_customers_changed,
        "ticket.created.v1": ticket_touched,
        "ticket.participants_changed.v1": ticket_touched,
        "ticket.shared.v1": ticket_touched,
    }
