"""Answers that may only mean "not here yet": accounts and organisations the replica lacks.

Identity owns accounts and organisations; this service learns of them from identity's events, a
moment after identity has answered the client that created them. A script that creates a customer
or an organisation and at once uses it here would get a 400 or 404 in that moment. Use cases raise
these errors for such references only; the app re-runs the whole request for a short while before
letting the error through (see ``tickets.app.TicketsApp``).
"""
from __future__ import annotations

from common.errors import NotFound, ValidationFailed

# Pauses between attempts: about 1.5 s in all, well above the usual event delay.
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8)


class UnknownReference(Exception):
    """Mixin: the error names accounts or organisations that may not have reached the replica yet."""


class UnknownPeople(UnknownReference, ValidationFailed):
    pass


class UnknownOrganisation(UnknownReference, NotFound):
    pass


def only_unknown_references(errors: dict[str, list[str]], reference_fields: set[str]) -> bool:
    """True when every error is about a reference the replica may still be missing."""
    return bool(errors) and set(errors) <= reference_fields
