"""Domain events recorded by the Ticket aggregate (facts, past tense)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    actor_id: str
    actor_is_agent: bool


@dataclass(frozen=True)
class TicketCreated(DomainEvent):
    channel: str = "portal"  # "email" when raised by an email (its answer is the email's receipt)


@dataclass(frozen=True)
class Commented(DomainEvent):
    comment: Any  # the Comment; its id is known once the repository has saved it


@dataclass(frozen=True)
class StatusChanged(DomainEvent):
    from_status: str
    to_status: str
    cause: str  # "transition" or "comment"


@dataclass(frozen=True)
class ParticipantsChanged(DomainEvent):
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shared(DomainEvent):
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Assigned(DomainEvent):
    from_assignee: str | None = None
    to_assignee: str | None = None


@dataclass(frozen=True)
class Updated(DomainEvent):
    changed: dict = field(default_factory=dict)  # field -> (old, new)


@dataclass(frozen=True)
class ParticipantInvited(DomainEvent):
    email: str = ""
    language: str = "en"  # the inviter's, for the invitation email


@dataclass(frozen=True)
class AttachmentsAdded(DomainEvent):
    attachments: tuple = ()  # the Attachment records; their ids are known once saved
    public: bool = True
    comment: Any = None  # the Comment they came with, if any
