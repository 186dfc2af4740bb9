"""Read accounts and organisations the replica lacks through from identity, once per request.

A use case that meets a reference the replica does not know raises ``services.lag.UnknownReference``
naming it. ``TicketsApp`` then asks identity once (``POST /api/identity/replica/lookup`` with the
caller's own token), writes what identity knows into the replica as its events would, and runs the
request once more. What identity does not know either is refused at once with the use case's 400
or 404 naming it; no request waits or sleeps for an event.
"""
from __future__ import annotations

import logging

import httpx
from flask import request

from common.auth import CUSTOMER
from common.db import transaction

from .domain.catalog import Account
from .services.lag import UnknownReference
from .store.accounts import AccountRepository

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


class IdentityLookup:
    """The one HTTP call to identity; None when it cannot answer (the reference is then refused)."""

    def __init__(self, identity_url: str, timeout: float = TIMEOUT_SECONDS, transport=None):
        self.client = httpx.Client(base_url=identity_url.rstrip("/"), timeout=timeout, transport=transport)

    def lookup(self, authorization: str, accounts: tuple[str, ...], organisations: tuple[int, ...]) -> dict | None:
        try:
            answer = self.client.post("/api/identity/replica/lookup", headers={"Authorization": authorization},
                                      json={"accounts": list(accounts), "organisations": list(organisations)})
        except httpx.HTTPError as exc:
            logger.warning("identity did not answer the replica lookup: %s", exc)
            return None
        if answer.status_code != 200:
            logger.warning("identity answered the replica lookup with %s", answer.status_code)
            return None
        return answer.json()


def fill_replica(session_factory, found: dict) -> bool:
    """Write identity's answer into the replica (as its events would); True when it held anything new."""
    accounts, orgs = found.get("accounts") or [], found.get("organisations") or []
    if not accounts and not orgs:
        return False
    with transaction(session_factory) as session:
        repo = AccountRepository(session)
        for a in accounts:
            repo.upsert(Account(id=a["accountId"], email=a["email"], display_name=a.get("displayName"),
                                language=a.get("language") or "en", role=a.get("role") or CUSTOMER,
                                active=bool(a.get("active", True))))
        for org in orgs:
            org_id = int(org["organizationId"])
            repo.save_organization(org_id, org["name"], org.get("createdBy"))
            for member in org.get("memberIds") or []:
                repo.add_member(org_id, member)
    return True


def read_through(app, error: UnknownReference) -> bool:
    """Fill the replica with what identity knows of the error's references; True when a re-run may pass."""
    lookup: IdentityLookup | None = app.extensions.get("tickets.identity_lookup")
    authorization = request.headers.get("Authorization", "")
    if lookup is None or not authorization or not (error.accounts or error.organisations):
        return False
    found = lookup.lookup(authorization, error.accounts, error.organisations)
    return found is not None and fill_replica(app.extensions["tickets.session_factory"], found)
