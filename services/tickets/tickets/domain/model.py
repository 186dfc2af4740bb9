"""The Ticket aggregate: lifecycle, comments, participants, shares, and a history of every change.

Rules (PRODUCT capability 7): a new ticket waits for support; a customer's public comment sends a
ticket waiting for the customer (or a resolved one) back to support; an agent's public reply on a
ticket waiting for support or in progress makes it wait for the customer. Its reporter may close an
open or resolved request and reopen a resolved one (``status.TRANSITIONS``); agents may do every move. Internal notes are
agents' only and never change the status.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import events as ev
from .errors import InvalidInput, InvalidState, NotPermitted, RequestClosed
from .status import AGENT, BY_ID, OTHER, REPORTER, Status, transitions_for

S = Status
# Statuses whose conversation is over: a public comment is refused (a Resolved request reopens instead).
FINAL = frozenset({S.CLOSED, S.CANCELED})


@dataclass(frozen=True)
class Actor:
    """Who acts on a ticket: an account id and which side it is on."""

    id: str
    is_agent: bool


@dataclass
class Comment:
    author_id: str
    body: str
    public: bool
    created_at: datetime
    id: int | None = None
    # Attachments that came with the comment (filled when they are attached, for its event).
    attachments: list = field(default_factory=list)


@dataclass(frozen=True)
class HistoryEntry:
    kind: str  # created, status, comment, participant_added, participant_removed, shared, unshared, assignee, field, attachment
    actor_id: str
    at: datetime
    field: str | None = None
    from_value: str | None = None
    to_value: str | None = None


@dataclass
class Ticket:
    desk_id: int
    request_type_id: int
    reporter_id: str
    summary: str
    description: str
    created_at: datetime
    status: Status = S.WAITING_FOR_SUPPORT
    field_values: dict[str, Any] = field(default_factory=dict)
    assignee_id: str | None = None
    organization_ids: set[int] = field(default_factory=set)
    participant_ids: set[str] = field(default_factory=set)
    muted_ids: set[str] = field(default_factory=set)
    # Organisation members who opted in to notifications (others in the org hear nothing).
    watcher_ids: set[str] = field(default_factory=set)
    # Pending participants: email -> account id of who invited them.
    invited: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    number: int | None = None
    key: str | None = None
    updated_at: datetime | None = None
    status_changed_at: datetime | None = None
    last_activity_at: datetime | None = None
    new_comments: list[Comment] = field(default_factory=list, repr=False)
    new_history: list[HistoryEntry] = field(default_factory=list, repr=False)
    events: list[ev.DomainEvent] = field(default_factory=list, repr=False)

    # -- creation ----------------------------------------------------------------------------
    @classmethod
    def open(cls, *, actor: Actor, desk_id: int, request_type_id: int, reporter_id: str, summary: str,
             description: str, field_values: dict, organization_ids: set[int], participant_ids: set[str],
             now: datetime, channel: str = "portal") -> "Ticket":
        """A new ticket, waiting for support, with its creation recorded."""
        ticket = cls(desk_id=desk_id, request_type_id=request_type_id, reporter_id=reporter_id,
                     summary=summary, description=description, field_values=dict(field_values),
                     organization_ids=set(organization_ids),
                     participant_ids=set(participant_ids) - {reporter_id}, created_at=now,
                     updated_at=now, status_changed_at=now, last_activity_at=now)
        ticket._record("created", actor, now)
        ticket._record("status", actor, now, to_value=S.WAITING_FOR_SUPPORT.value)
        ticket.events.append(ev.TicketCreated(actor.id, actor.is_agent, channel=channel))
        return ticket

    # -- questions ---------------------------------------------------------------------------
    def is_involved_customer(self, account_id: str) -> bool:
        """Reporter or participant (who may manage participants and comment as a customer)."""
        return account_id == self.reporter_id or account_id in self.participant_ids

    def side(self, actor: Actor) -> str:
        """Which side of the transition table ``actor`` is on for this ticket."""
        return AGENT if actor.is_agent else REPORTER if actor.id == self.reporter_id else OTHER

    def transitions(self, actor: Actor):
        """Transitions ``actor`` may perform now."""
        return transitions_for(self.status, self.side(actor))

    # -- commands ----------------------------------------------------------------------------
    def comment(self, actor: Actor, body: str, public: bool, now: datetime, auto_move: bool = True) -> Comment:
        """Add a comment; a public one may move the ticket between support and customer.

        ``auto_move=False`` is for the comment that accompanies an explicit transition. A closed or
        canceled request takes no other public comment (``RequestClosed``).
        """
        if not body or not body.strip():
            raise InvalidInput("A comment needs a non-empty body.", {"body": ["Enter some text."]})
        if not public and not actor.is_agent:
            raise NotPermitted("Customers can only add public comments; internal notes are for agents.")
        if public and auto_move and self.status in FINAL:
            # As in JSM: a closed request's conversation is over (no queue would show a new comment);
            # the customer raises a new request that names this one. Agents may still note internally,
            # and the comment that explains a move (closing with a word of thanks) belongs to the move.
            raise RequestClosed(f"Request {self.key} is {self.status.value.lower()} and takes no more comments. "
                                f"Raise a new request and mention {self.key} in it.",
                                {"body": [f"{self.key} is {self.status.value.lower()}: raise a new request instead."]})
        comment = Comment(author_id=actor.id, body=body, public=public, created_at=now)
        self.new_comments.append(comment)
        self._record("comment", actor, now, to_value="public" if public else "internal")
        self.events.append(ev.Commented(actor.id, actor.is_agent, comment))
        self._touch(now)
        if public and auto_move:
            target = self._status_after_public_comment(actor)
            if target is not None:
                self._move(actor, target, now, cause="comment")
        return comment

    def _status_after_public_comment(self, actor: Actor) -> Status | None:
        if actor.is_agent:
            return S.WAITING_FOR_CUSTOMER if self.status in (S.WAITING_FOR_SUPPORT, S.IN_PROGRESS) else None
        return S.WAITING_FOR_SUPPORT if self.status in (S.WAITING_FOR_CUSTOMER, S.RESOLVED) else None

    def transition(self, actor: Actor, transition_id: str, now: datetime) -> None:
        """Perform a named transition if ``actor``'s side may do it from the current status."""
        transition = BY_ID.get(str(transition_id))
        if transition is None:
            raise InvalidInput(f"There is no transition with id '{transition_id}'.",
                               {"id": ["Use an id listed by GET /request/{key}/transition."]})
        if transition.allowed_from(self.status, self.side(actor)):
            self._move(actor, transition.to, now, cause="transition")
            return
        if transition.allowed_from(self.status, REPORTER):
            raise NotPermitted(f"Only the reporter or an agent can perform '{transition.name}' on this request.")
        if transition.allowed_from(self.status, AGENT):
            raise NotPermitted(f"Only agents can perform '{transition.name}' on a request that is "
                               f"'{self.status.value}'.")
        raise InvalidState(f"'{transition.name}' is not possible while the request is "
                           f"'{self.status.value}'.")

    def add_participants(self, actor: Actor, account_ids: set[str], now: datetime) -> list[str]:
        """Add participants (the reporter is never one); returns who was really added."""
        self.require_manager(actor)
        added = sorted(set(account_ids) - self.participant_ids - {self.reporter_id})
        for account_id in added:
            self.participant_ids.add(account_id)
            self._record("participant_added", actor, now, to_value=account_id)
        if added:
            self.events.append(ev.ParticipantsChanged(actor.id, actor.is_agent, added=tuple(added)))
            self._touch(now)
        return added

    def remove_participants(self, actor: Actor, account_ids: set[str], now: datetime) -> list[str]:
        """Remove participants; returns who was really removed."""
        self.require_manager(actor)
        removed = sorted(set(account_ids) & self.participant_ids)
        for account_id in removed:
            self.participant_ids.discard(account_id)
            self._record("participant_removed", actor, now, from_value=account_id)
        if removed:
            self.events.append(ev.ParticipantsChanged(actor.id, actor.is_agent, removed=tuple(removed)))
            self._touch(now)
        return removed

    def invite_participant(self, actor: Actor, email: str, now: datetime, language: str = "en") -> bool:
        """Record an invitation of someone without an account; False when already invited."""
        self.require_manager(actor)
        email = email.strip().lower()
        if email in self.invited:
            return False
        self.invited[email] = actor.id
        self._record("participant_invited", actor, now, to_value=email)
        self.events.append(ev.ParticipantInvited(actor.id, actor.is_agent, email=email, language=language))
        self._touch(now)
        return True

    def accept_invitation(self, email: str, account_id: str, now: datetime) -> bool:
        """The invited person now has an account: they become a participant (acting themselves)."""
        if self.invited.pop(email.strip().lower(), None) is None:
            return False
        if account_id == self.reporter_id or account_id in self.participant_ids:
            return True
        joiner = Actor(account_id, False)
        self.participant_ids.add(account_id)
        self._record("participant_added", joiner, now, to_value=account_id)
        self.events.append(ev.ParticipantsChanged(account_id, False, added=(account_id,)))
        self._touch(now)
        return True

    def share(self, actor: Actor, add: set[int], remove: set[int], now: datetime) -> None:
        """Change the organisations the ticket is shared with."""
        self.require_manager(actor)
        added = sorted(set(add) - self.organization_ids)
        removed = sorted(set(remove) & self.organization_ids)
        for org in added:
            self.organization_ids.add(org)
            self._record("shared", actor, now, to_value=str(org))
        for org in removed:
            self.organization_ids.discard(org)
            self._record("unshared", actor, now, from_value=str(org))
        if added or removed:
            self.events.append(ev.Shared(actor.id, actor.is_agent, tuple(added), tuple(removed)))
            self._touch(now)

    def assign(self, actor: Actor, assignee_id: str | None, now: datetime) -> None:
        """Agents assign the ticket to an agent, or unassign it with None."""
        if not actor.is_agent:
            raise NotPermitted("Only agents can assign requests.")
        if assignee_id == self.assignee_id:
            return
        previous, self.assignee_id = self.assignee_id, assignee_id
        self._record("assignee", actor, now, from_value=previous, to_value=assignee_id)
        self.events.append(ev.Assigned(actor.id, True, previous, assignee_id))
        self.updated_at = now

    def edit(self, actor: Actor, now: datetime, summary: str | None = None,
             description: str | None = None, fields: dict[str, Any] | None = None) -> None:
        """Change summary, description and other field values (already validated): agents always, the
        reporter while waiting for support. A field given as None is cleared."""
        if not actor.is_agent:
            if actor.id != self.reporter_id:
                raise NotPermitted("Only the reporter or an agent can edit this request.")
            if self.status != S.WAITING_FOR_SUPPORT:
                raise InvalidState("You can edit a request only while it is 'Waiting for support'.")
        if summary is not None and not summary.strip():
            raise InvalidInput("The summary cannot be empty.", {"summary": ["Enter a summary."]})
        changed = {}
        for name, value in (("summary", summary), ("description", description)):
            if value is not None and value != getattr(self, name):
                changed[name] = (getattr(self, name), value)
                setattr(self, name, value)
                self._record("field", actor, now, field=name, from_value=changed[name][0], to_value=value)
        for name, value in sorted((fields or {}).items()):
            previous = self.field_values.get(name)
            if value == previous:
                continue
            changed[name] = (previous, value)
            if value is None:
                self.field_values.pop(name, None)
            else:
                self.field_values[name] = value
            self._record("field", actor, now, field=name, from_value=_text(previous), to_value=_text(value))
        if changed:
            self.events.append(ev.Updated(actor.id, actor.is_agent, changed))
            self._touch(now)

    def attach(self, actor: Actor, attachments: list, public: bool, now: datetime,
               comment: Comment | None = None) -> None:
        """Record files attached to the ticket (with ``comment``, they share its visibility)."""
        if not public and not actor.is_agent:
            raise NotPermitted("Customers can only add public attachments; internal ones are for agents.")
        if comment is not None:
            comment.attachments.extend(attachments)
        for attachment in attachments:
            self._record("attachment", actor, now, field=attachment.filename,
                         to_value="public" if public else "internal")
        self.events.append(ev.AttachmentsAdded(actor.id, actor.is_agent, tuple(attachments), public, comment))
        self._touch(now)

    def mute(self, account_id: str) -> None:
        self.muted_ids.add(account_id)

    def unmute(self, account_id: str) -> None:
        self.muted_ids.discard(account_id)

    def subscribe(self, account_id: str, involved: bool) -> None:
        """Turn notifications on: unmute the reporter/participants, opt in an organisation member."""
        self.muted_ids.discard(account_id)
        if not involved:
            self.watcher_ids.add(account_id)

    def unsubscribe(self, account_id: str) -> None:
        """Turn notifications off for anyone."""
        self.muted_ids.add(account_id)
        self.watcher_ids.discard(account_id)

    def hears(self, account_id: str, involved: bool) -> bool:
        """Whether someone who can see the ticket gets its notifications."""
        if account_id in self.muted_ids:
            return False
        return involved or account_id in self.watcher_ids

    # -- internals ---------------------------------------------------------------------------
    def require_manager(self, actor: Actor) -> None:
        if not actor.is_agent and not self.is_involved_customer(actor.id):
            raise NotPermitted("Only the reporter, the participants and agents can change who shares "
                               "this request.")

    def _move(self, actor: Actor, target: Status, now: datetime, cause: str) -> None:
        if target == self.status:
            return
        previous, self.status = self.status, target
        self.status_changed_at = now
        self._record("status", actor, now, from_value=previous.value, to_value=target.value)
        self.events.append(ev.StatusChanged(actor.id, actor.is_agent, previous.value, target.value, cause))
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.last_activity_at = now

    def _record(self, kind: str, actor: Actor, now: datetime, **values) -> None:
        self.new_history.append(HistoryEntry(kind=kind, actor_id=actor.id, at=now, **values))


def _text(value: Any) -> str | None:
    """A field value as the history keeps it."""
    return None if value is None else str(value)
