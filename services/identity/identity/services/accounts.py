"""Accounts: creation by agents, the CLI and the JSM API; profile; search; deactivation."""
from __future__ import annotations

import logging

from common.auth import CUSTOMER, Principal, is_customer
from common.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from common.i18n import normalise

from .. import integration_events as ev
from ..domain.model import (
    EXTERNAL, INTERNAL, LANGUAGES, ROLES, Account, check_language, check_time_zone, clean_name, normalise_email,
)
from ..domain.passwords import check_password
from . import invitations
from ..domain import scope
from .base import Deps, accounts_within, chosen_language, customer_name, reach_account, require_agent, rules

logger = logging.getLogger(__name__)


def create_account(deps: Deps, *, email: str, password: str | None, role: str = CUSTOMER,
                   display_name: str | None = None, language: str = "en", kind: str | None = None) -> Account:
    """Create a ready-to-use account (CLI, demo data); emits account.created like every other creation."""
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}.", errors={"role": ["Unknown role."]})
    with rules("email"):
        email = normalise_email(email)
    with rules("displayName"):
        display_name = clean_name(display_name)
    with rules("language"):
        language = check_language(language)
    if password is not None:
        with rules("password"):
            check_password(password, email)
    now = deps.now()
    account = Account(email=email, role=role, kind=kind or (INTERNAL if is_customer(role) else None),
                      display_name=display_name, language=language, created_at=now,
                      updated_at=now, email_verified=password is not None,
                      password_hash=deps.passwords.hash(password) if password is not None else None)
    with deps.uow() as uow:
        if uow.repo.account_by_email(email) is not None:
            raise Conflict(f"An account with the email {email} already exists.")
        customer_name(uow, role, display_name)
        uow.repo.add(account)
        uow.emit(ev.account_created(account))
        uow.commit()
    logger.info("account %s created with role %s", account.id, role)
    return account


def create_customer(deps: Deps, *, actor: Principal, email: object, display_name: object,
                    strict_conflict: bool = False, language: object = None) -> Account:
    """JSM ``POST /customer``: register an internal customer and send the invitation (language as for invitations)."""
    require_agent(actor)
    lang = chosen_language(language)
    with rules("email"):
        address = normalise_email(email)
    with rules("displayName"):
        name = clean_name(display_name)
    with deps.uow() as uow:
        if uow.repo.account_by_email(address) is not None:
            message = f"A customer with the email {address} already exists."
            raise Conflict(message) if strict_conflict else BadRequest(message)
        name = customer_name(uow, CUSTOMER, name)
        invitations.invite_one(deps, uow, address, invited_by=actor.id, display_name=name, language=lang,
                               default_language=normalise(actor.language, LANGUAGES))
        uow.commit()
        account = uow.repo.account_by_email(address)
    return account


def me(deps: Deps, *, actor: Principal) -> tuple[Account, list[int]]:
    """The caller's account and the ids of their organisations."""
    with deps.uow() as uow:
        account = uow.repo.account(actor.id)
        if account is None or not account.active:
            raise Unauthorized("This account no longer exists or has been deactivated.")
        return account, uow.repo.organisation_ids_of(account.id)


def update_me(deps: Deps, *, actor: Principal, changes: dict) -> Account:
    """Change the caller's display name, language or time zone; emits account.updated."""
    allowed = {"displayName": "display_name", "language": "language", "timeZone": "time_zone"}
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed here: {', '.join(unknown)}.",
                               errors={k: ["Unknown field."] for k in unknown})
    updates = {}
    if "displayName" in changes:
        with rules("displayName"):
            updates["display_name"] = clean_name(changes["displayName"])
    if "language" in changes:
        with rules("language"):
            updates["language"] = check_language(changes["language"])
    if "timeZone" in changes:
        with rules("timeZone"):
            updates["time_zone"] = check_time_zone(changes["timeZone"])
    with deps.uow() as uow:
        account = uow.repo.account(actor.id)
        if account is None or not account.active:
            raise Unauthorized("This account no longer exists or has been deactivated.")
        if "display_name" in updates and updates["display_name"] != account.display_name:
            customer_name(uow, account.role, updates["display_name"])
        if account.update_profile(deps.now(), **updates):
            uow.emit(ev.account_updated(account))
        uow.commit()
    return account


def search(deps: Deps, *, actor: Principal, query: str | None, role: str | None, start: int,
           limit: int, kind: str | None = None, active: bool | None = None) -> tuple[list[Account], bool]:
    """Agents list and search accounts (customers by default; ``role`` may list several, comma-separated)
    by name or email, optionally by ``kind`` (internal, external) and ``active``."""
    require_agent(actor)
    asked = [r.strip() for r in (role or CUSTOMER).split(",") if r.strip()]
    unknown = [r for r in asked if r not in ROLES]
    if unknown or not asked:
        raise BadRequest(f"role must be one or more of {', '.join(ROLES)}, comma-separated; "
                         f"not '{', '.join(unknown) or role}'.")
    if kind not in (None, "", INTERNAL, EXTERNAL):
        raise BadRequest(f"kind must be {INTERNAL} or {EXTERNAL}, not '{kind}'.")
    with deps.uow() as uow:
        rows = uow.repo.search_accounts((query or "").strip() or None, tuple(asked), start, limit,
                                        kind=kind or None, active=active, within=accounts_within(uow, actor))
    return rows[:limit], len(rows) <= limit


def get_account(deps: Deps, *, actor: Principal, account_id: str) -> Account:
    require_agent(actor)
    with deps.uow() as uow:
        return reach_account(uow, actor, uow.repo.account(account_id), account_id)


def set_active(deps: Deps, *, actor: Principal, account_id: str, active: bool) -> Account:
    """Deactivate (sessions end at once) or reactivate an account; emits account.updated."""
    require_agent(actor)
    if account_id == actor.id:
        raise Forbidden("You cannot deactivate or reactivate your own account.")
    with deps.uow() as uow:
        account = reach_account(uow, actor, uow.repo.account(account_id), account_id, scope.SET_ACTIVE)
        now = deps.now()
        changed = account.activate(now) if active else account.deactivate(now)
        if changed:
            if not active:
                uow.repo.revoke_refresh_tokens(now, account_id=account.id)
            uow.emit(ev.account_updated(account))
        uow.commit()
    logger.info("account %s %s", account_id, "activated" if active else "deactivated")
    return account
