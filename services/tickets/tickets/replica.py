"""Keeps the local replica of identity's accounts and organisation memberships up to date.

Each handler runs inside the worker's transaction (with the inbox row), so a redelivered event is
applied once. Organisation ids are integers in this database; events carry them as strings.
"""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from common.auth import Principal
from common.events import CloudEvent

from .domain.catalog import Account
from .store.accounts import AccountRepository

logger = logging.getLogger(__name__)


def _account(session: Session, event: CloudEvent) -> None:
    d = event.data
    AccountRepository(session).upsert(Account(
        id=d["accountId"], email=d["email"], display_name=d.get("displayName"),
        language=d.get("language") or "en", role=d.get("role") or "customer", active=bool(d.get("active", True))))


def _org_id(event: CloudEvent) -> int:
    return int(str(event.data["organizationId"]))


def _org_saved(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).save_organization(_org_id(event), event.data["name"])


def _org_deleted(session: Session, event: CloudEvent) -> None:
    # Members lose the organisation's view at once: shares stay on the tickets, the members go.
    AccountRepository(session).delete_organization(_org_id(event))


def _member_added(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).add_member(_org_id(event), event.data["accountId"])


def _member_removed(session: Session, event: CloudEvent) -> None:
    AccountRepository(session).remove_member(_org_id(event), event.data["accountId"])


HANDLERS = {
    "account.created.v1": _account,
    "account.updated.v1": _account,
    "organisation.created.v1": _org_saved,
    "organisation.renamed.v1": _org_saved,
    "organisation.deleted.v1": _org_deleted,
    "organisation.member_added.v1": _member_added,
    "organisation.member_removed.v1": _member_removed,
}


def remember_caller(session: Session, principal: Principal) -> None:
    """Insert the caller's replica row from token claims if identity's event has not arrived yet."""
    AccountRepository(session).upsert(Account(
        id=principal.id, email=principal.email, display_name=principal.name, language=principal.language,
        role=principal.role, active=True), only_if_missing=True)
