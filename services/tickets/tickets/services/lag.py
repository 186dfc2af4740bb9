"""Answers that may only mean "not here yet": accounts and organisations the replica lacks.

Identity owns accounts and organisations; this service learns of them from identity's events, a
moment after identity has answered the client that created them. A script that creates a customer
or an organisation and at once uses it here would get a 400 or 404 in that moment. Use cases raise
these errors, naming the references, for such references only; the app then reads them through from
identity once, fills the replica and runs the request once more (``tickets.readthrough``). A
reference identity does not know either is refused at once, naming it: nothing waits or sleeps.
"""
from __future__ import annotations

from typing import Iterable

from common.errors import NotFound, ValidationFailed


class UnknownReference(Exception):
    """Mixin: the error names accounts or organisations that may not have reached the replica yet."""

    accounts: tuple[str, ...] = ()
    organisations: tuple[int, ...] = ()

    def naming(self, accounts: Iterable[object] = (), organisations: Iterable[object] = ()) -> "UnknownReference":
        """The references to read through (account ids or emails, organisation ids)."""
        self.accounts = tuple(str(a) for a in accounts)
        self.organisations = tuple(int(o) for o in organisations)
        return self


class UnknownPeople(UnknownReference, ValidationFailed):
    pass


class UnknownOrganisation(UnknownReference, NotFound):
    pass


def only_unknown_references(errors: dict[str, list[str]], reference_fields: set[str]) -> bool:
    """True when every error is about a reference the replica may still be missing."""
    return bool(errors) and set(errors) <= reference_fields
