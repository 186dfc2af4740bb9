"""The authenticated caller of a view, and the unit of work views hand to use cases.

A token stays valid until it expires, so whether its account is still active is checked on every
request, in the request's own transaction: the first statement of every unit of work a view opens
reads the caller's replica row with their organisations (``check_caller``), inserts the row from
the token's claims when identity's event has not arrived yet, and refuses a deactivated account.
A view that opens no unit of work is checked after it ran, before its answer leaves.
"""
from __future__ import annotations

from flask import Response, current_app, g, has_request_context

from common.auth import AGENT, Principal, authenticate
from common.db import transaction
from common.errors import Unauthorized, error_response

from ..domain.visibility import Viewer
from ..replica import remember_caller
from ..store.accounts import AccountRepository
from ..store.uow import UnitOfWork, reading

DEACTIVATED = "This account has been deactivated."


def defer_deactivation_check(principal: Principal) -> None:
    """``principal_check``: the unit of work the view opens checks the caller (see ``check_caller``)."""
    g.tickets_caller_checked = False


def check_caller(uow: UnitOfWork) -> None:
    """``UnitOfWork.on_begin`` for web requests: active caller, known to the replica, as a Viewer."""
    # Flask's ``g`` read once: every read of a context proxy costs a lookup.
    store = g._get_current_object() if has_request_context() else None
    principal: Principal | None = getattr(store, "principal", None)
    if principal is None:
        return
    is_agent = principal.role == AGENT
    account, orgs, desks = uow.accounts.with_organizations(principal.id, desks=is_agent)
    store.tickets_caller_checked = True
    if account is None:
        if uow.read_only:
            # A read runs outside a transaction block: the replica row (and the desk memberships
            # it starts) commit together in a transaction of their own.
            with transaction(uow.session_factory) as session:
                remember_caller(session, principal, uow.outbox)
        else:
            remember_caller(uow.session, principal, uow.outbox)
            uow.keep_on_exit = True  # a use case that ends up committing nothing still keeps the row
    elif not account.active:
        raise Unauthorized(DEACTIVATED)
    if account is None and is_agent:
        desks = uow.desks.agent_desk_ids(principal.id)
    uow.viewer = Viewer(principal.id, principal.role, frozenset(orgs), desks)
    uow.caller_account = account
    uow.caller_organizations = {k: v for k, v in orgs.items() if v is not None}


def check_unchecked_caller(response: Response) -> Response:
    """``after_request``: a view that authenticated but opened no unit of work is checked here."""
    # A server error is kept as it is: checking would only meet the same failure (a database
    # outage's 503 would become a 500 raised after the request). A 403 still becomes the 401 of a
    # deactivated account.
    store = g._get_current_object()
    if response.status_code < 500 and getattr(store, "tickets_caller_checked", None) is False:
        with reading(current_app.extensions["tickets.session_factory"]) as session:
            active = AccountRepository(session).is_active(store.principal.id)
        if active is False:
            return error_response(Unauthorized(DEACTIVATED))
    return response


def uow() -> UnitOfWork:
    """A fresh unit of work on this app's database (for reading when the request is a GET or HEAD)."""
    return current_app.extensions["tickets.uow_factory"]()


def caller() -> Principal:
    """Verify the Bearer token (401 without one); the unit of work checks the account itself."""
    return authenticate()
