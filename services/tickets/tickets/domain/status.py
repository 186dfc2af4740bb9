"""Statuses and the transitions each side may perform: ONE table, ``TRANSITIONS``.

Three sides act on a request: the desk's agents (every move), its reporter (close it, reopen it
once resolved) and the other customers who see it, participants and organisation members, who
comment but move nothing: a request is closed or reopened only by whoever raised it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    WAITING_FOR_SUPPORT = "Waiting for support"
    IN_PROGRESS = "In progress"
    WAITING_FOR_CUSTOMER = "Waiting for customer"
    RESOLVED = "Resolved"
    CLOSED = "Closed"
    CANCELED = "Canceled"

    @property
    def category(self) -> str:
        """JSM status category: NEW, INDETERMINATE or DONE."""
        return _CATEGORY[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN


_CATEGORY = {
    Status.WAITING_FOR_SUPPORT: "NEW",
    Status.IN_PROGRESS: "INDETERMINATE",
    Status.WAITING_FOR_CUSTOMER: "INDETERMINATE",
    Status.RESOLVED: "DONE",
    Status.CLOSED: "DONE",
    Status.CANCELED: "DONE",
}
OPEN = frozenset({Status.WAITING_FOR_SUPPORT, Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER})
DONE = frozenset(Status) - OPEN


AGENT, REPORTER, OTHER = "agent", "reporter", "other customer"
SIDES = (AGENT, REPORTER, OTHER)


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to: Status
    agent_from: frozenset[Status]
    reporter_from: frozenset[Status] = frozenset()

    def allowed_from(self, status: Status, side: str) -> bool:
        if side == AGENT:
            return status in self.agent_from
        return side == REPORTER and status in self.reporter_from


S = Status
TRANSITIONS: tuple[Transition, ...] = (
    Transition("1", "Start progress", S.IN_PROGRESS,
               frozenset({S.WAITING_FOR_SUPPORT, S.WAITING_FOR_CUSTOMER})),
    Transition("2", "Wait for customer", S.WAITING_FOR_CUSTOMER,
               frozenset({S.WAITING_FOR_SUPPORT, S.IN_PROGRESS})),
    Transition("3", "Back to support", S.WAITING_FOR_SUPPORT,
               frozenset({S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER})),
    Transition("4", "Resolve", S.RESOLVED, OPEN),
    Transition("5", "Close request", S.CLOSED, OPEN | {S.RESOLVED}, reporter_from=OPEN | {S.RESOLVED}),
    Transition("6", "Reopen request", S.WAITING_FOR_SUPPORT,
               frozenset({S.RESOLVED, S.CLOSED, S.CANCELED}), reporter_from=frozenset({S.RESOLVED})),
    Transition("7", "Cancel request", S.CANCELED, OPEN),
)
BY_ID = {t.id: t for t in TRANSITIONS}


def transitions_for(status: Status, side: str) -> list[Transition]:
    """The transitions offered to one side (``AGENT``, ``REPORTER``, ``OTHER``) from ``status``."""
    return [t for t in TRANSITIONS if t.allowed_from(status, side)]
