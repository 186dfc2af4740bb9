"""The authenticated caller of a view, and the unit of work views hand to use cases."""
from __future__ import annotations

from flask import current_app

from common.auth import Principal, authenticate
from common.db import transaction
from common.errors import Unauthorized
from common.outbox import Outbox

from ..replica import remember_caller
from ..store.accounts import AccountRepository
from ..store.tables import outbox
from ..store.uow import UnitOfWork


def refuse_deactivated(principal: Principal) -> None:
    """``principal_check``: a token stays valid until it expires, so deactivation is checked per request."""
    with transaction(current_app.extensions["tickets.session_factory"]) as session:
        active = AccountRepository(session).is_active(principal.id)
    if active is False:
        raise Unauthorized("This account has been deactivated.")


def uow() -> UnitOfWork:
    """A fresh unit of work on this app's database."""
    return current_app.extensions["tickets.uow_factory"]()


def caller() -> Principal:
    """Verify the Bearer token and make sure the replica knows the caller (401 without a token)."""
    principal = authenticate()
    known: set = current_app.extensions["tickets.known_accounts"]
    if principal.id not in known:
        with transaction(current_app.extensions["tickets.session_factory"]) as session:
            remember_caller(session, principal, Outbox(outbox, current_app.extensions["tickets.settings"].exchange))
        if len(known) > 50_000:  # bound the per-process memo; the upsert is idempotent anyway
            known.clear()
        known.add(principal.id)
    return principal
