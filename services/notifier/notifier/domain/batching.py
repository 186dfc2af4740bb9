"""One email per recipient and action: which ticket emails fold into another email of the same action.

An agent's public reply that moves the request to *Waiting for customer* publishes two events in
one transaction, ``ticket.commented`` and ``ticket.status_changed`` with ``cause: "comment"``, both
carrying the request's id as ``correlationid``. The comment email already states the resulting
status, so the status email is dropped for whoever got that comment email.

Only a status move *caused by* a comment folds: that cause guarantees a comment event of the same
transaction, to the same audience, whose email names the new status. A transition merely sharing a
correlation id (a client reusing its request id, a later call) is always mailed. If the status event
happens to be handled before its comment event (a retried comment, several workers), both emails go
out: a duplicate is the safe failure, a lost status change is not.
"""
from __future__ import annotations

import hashlib

COMMENT_KIND = "ticket_commented"
_MAX_ID = 64


def folds_into_comment(data: dict, correlation_id: str | None) -> bool:
    """True if this status change may be left out for recipients mailed the comment of the same action."""
    return bool(correlation_id) and data.get("cause") == "comment"


def correlation_key(correlation_id: str | None) -> str | None:
    """The correlation id as stored in the sent log (ids longer than the column are hashed)."""
    if not correlation_id:
        return None
    if len(correlation_id) <= _MAX_ID:
        return correlation_id
    return "sha256:" + hashlib.sha256(correlation_id.encode()).hexdigest()[:_MAX_ID - 7]
