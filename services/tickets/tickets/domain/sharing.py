"""Whom a person may add to a request by name or account id: ONE rule, for the people search and for
every place that takes names (``requestParticipants`` at creation, ``POST /request/{key}/participant``,
the portal's share field), so a name the search would not offer is never resolved, nor confirmed.

- The desk's agents (and admins) may add the desk's people: its customers and its agents.
- Anyone else (customers, agents of other desks) may add the members of their own organisations,
  and also the desk's customers when the desk's ``customerSharing`` is ``desk`` (JSM's "any
  customer on the service project").

A desk's customers are the ones it touches: added to it, members of an organisation linked to it or
sharing one of its requests, reporters and participants of its requests. An email address always
names its account: who types a whole address already knows the person. The desk's agents may also
name anyone by account id (they find ids in their own tools); nobody else may.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalog import Desk
from .visibility import Viewer

ORGANIZATIONS, DESK = "organizations", "desk"
SHARING = (ORGANIZATIONS, DESK)


@dataclass(frozen=True)
class PeopleScope:
    """Who may be offered: always the caller's co-members; then the desk's customers, its agents."""

    desk_customers: bool = False
    desk_agents: bool = False


def people_scope(viewer: Viewer, desk: Desk | None) -> PeopleScope:
    """The people ``viewer`` may add to requests of ``desk`` (None: no desk named, co-members only)."""
    if desk is None:
        return PeopleScope()
    if viewer.is_agent_for(desk.id):
        return PeopleScope(desk_customers=True, desk_agents=True)
    return PeopleScope(desk_customers=desk.customer_sharing == DESK)


# (viewer role, agent of the desk, desk's customerSharing, expected scope)
CASES: tuple[tuple[str, bool, str, PeopleScope], ...] = (
    ("customer", False, ORGANIZATIONS, PeopleScope()),
    ("customer", False, DESK, PeopleScope(desk_customers=True)),
    ("agent", False, ORGANIZATIONS, PeopleScope()),
    ("agent", False, DESK, PeopleScope(desk_customers=True)),
    ("agent", True, ORGANIZATIONS, PeopleScope(True, True)),
    ("agent", True, DESK, PeopleScope(True, True)),
    ("admin", False, ORGANIZATIONS, PeopleScope(True, True)),
)
