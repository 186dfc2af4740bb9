"""What an agent may reach in identity: ONE rule, with the table its tests run against.

Admins reach every account and organisation. An agent reaches what their desks touch and what
they made themselves:

- organisations linked to one of their desks or sharing one of its requests, and those they created;
- customers their desks touch (listed as the desk's customers, reporters and participants of its
  requests, members of the organisations above), those they invited, and their desks' agents.

Whatever lies outside answers as if it did not exist (404); inside, deactivating or reactivating
staff is for admins (403). Customers reach no account and only their own organisations.
Organisations have customers as members, never agents or admins: membership is what lets
customers see each other's requests, and it must not open another desk's requests to an agent.
"""
from __future__ import annotations

from common.auth import AGENT, is_admin, is_customer

ALLOW, NOT_FOUND, FORBIDDEN = "allow", "not found", "forbidden"
READ, CHANGE, SET_ACTIVE = "read", "change", "set active"


def decide(actor_role: str, in_scope: bool, action: str, target_is_staff: bool = False) -> str:
    """Whether an agent or admin may do ``action`` on an account or organisation."""
    if is_admin(actor_role):
        return ALLOW
    if actor_role != AGENT or not in_scope:
        return NOT_FOUND
    if action == SET_ACTIVE and target_is_staff:
        return FORBIDDEN
    return ALLOW


def may_be_member(role: str) -> bool:
    """Only customers belong to organisations."""
    return is_customer(role)


# (actor role, in the agent's scope, action, target is staff, expected)
CASES: tuple[tuple[str, bool, str, bool, str], ...] = (
    ("admin", False, CHANGE, False, ALLOW),
    ("admin", False, SET_ACTIVE, True, ALLOW),
    ("agent", True, READ, False, ALLOW),
    ("agent", True, CHANGE, False, ALLOW),
    ("agent", True, SET_ACTIVE, False, ALLOW),
    ("agent", True, SET_ACTIVE, True, FORBIDDEN),
    ("agent", False, READ, False, NOT_FOUND),
    ("agent", False, CHANGE, False, NOT_FOUND),
    ("agent", False, SET_ACTIVE, True, NOT_FOUND),
    ("customer", True, READ, False, NOT_FOUND),
)
