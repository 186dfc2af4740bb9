"""Organisations: agents create, rename and delete them and manage members; customers see their own.

Agents reach the organisations their desks touch and those they created (``domain.scope``); admins
every one. Members are customers only.
"""
from __future__ import annotations

from common.auth import Principal
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from sqlalchemy.exc import IntegrityError

from .. import integration_events as ev
from ..domain.model import Account, InvalidEmail, Organisation, clean_organisation_name, normalise_email
from ..store.uow import UnitOfWork
from ..domain.scope import may_be_member
from .base import Deps, organisations_within, reach_organisation, require_agent, rules


def _get(uow: UnitOfWork, org_id: int) -> Organisation:
    org = uow.repo.organisation(org_id)
    if org is None:
        raise NotFound(f"No organization has the id '{org_id}'.")
    return org


def parse_id(raw: object) -> int:
    """Organisation ids are integers (strings in the JSM API); anything else is a 404, as for an unknown id."""
    try:
        value = int(str(raw))
    except ValueError:
        raise NotFound(f"No organization has the id '{raw}'.") from None
    if value <= 0:
        raise NotFound(f"No organization has the id '{raw}'.")
    return value


def list_organisations(deps: Deps, *, actor: Principal, start: int, limit: int,
                       account_id: str | None = None) -> tuple[list[Organisation], bool]:
    """Agents see every organisation (optionally those of ``account_id``); customers only their own, and
    filtering by somebody else's account is for agents only, as in JSM (403, never silently ignored)."""
    if not actor.is_agent:
        if account_id not in (None, actor.id):
            raise Forbidden("Only agents can list the organisations of another account (accountId).")
        member = actor.id
    else:
        member = account_id
    with deps.uow() as uow:
        within = organisations_within(uow, actor) if actor.is_agent else None
        rows = uow.repo.organisations(start, limit, member_id=member, within=within)
    return rows[:limit], len(rows) <= limit


def get(deps: Deps, *, actor: Principal, org_id: int) -> Organisation:
    with deps.uow() as uow:
        org = _get(uow, org_id)
        if not actor.is_agent and actor.id not in uow.repo.member_ids(org_id):
            raise NotFound(f"No organization has the id '{org_id}'.")
        if actor.is_agent:
            reach_organisation(uow, actor, org_id)
        return org


def create(deps: Deps, *, actor: Principal, name: object) -> Organisation:
    require_agent(actor)
    with rules("name"):
        clean = clean_organisation_name(name)
    with deps.uow() as uow:
        if uow.repo.organisation_by_name(clean) is not None:
            raise Conflict(f"An organization named '{clean}' already exists.")
        org = Organisation(name=clean, created_at=deps.now(), created_by=None if actor.is_admin else actor.id)
        uow.repo.add(org)
        uow.repo.flush()
        uow.emit(ev.organisation_created(org))
        try:
            uow.commit()
        except IntegrityError:
            raise Conflict(f"An organization named '{clean}' already exists.") from None
    return org


def rename(deps: Deps, *, actor: Principal, org_id: int, name: object) -> Organisation:
    require_agent(actor)
    with rules("name"):
        clean = clean_organisation_name(name)
    with deps.uow() as uow:
        org = _get(uow, org_id)
        reach_organisation(uow, actor, org_id)
        other = uow.repo.organisation_by_name(clean)
        if other is not None and other.id != org.id:
            raise Conflict(f"An organization named '{clean}' already exists.")
        if org.name != clean:
            org.name = clean
            uow.emit(ev.organisation_renamed(org))
        uow.commit()
    return org


def delete(deps: Deps, *, actor: Principal, org_id: int) -> None:
    require_agent(actor)
    with deps.uow() as uow:
        org = _get(uow, org_id)
        reach_organisation(uow, actor, org_id)
        members = uow.repo.member_ids(org_id)
        uow.repo.delete(org)
        uow.emit(ev.organisation_deleted(org_id, list(members)))
        uow.commit()


def members(deps: Deps, *, actor: Principal, org_id: int, start: int, limit: int) -> tuple[list[Account], bool]:
    require_agent(actor)
    with deps.uow() as uow:
        _get(uow, org_id)
        reach_organisation(uow, actor, org_id)
        rows = uow.repo.members(org_id, start, limit)
    return rows[:limit], len(rows) <= limit


def _claimable(account: Account) -> bool:
    # An unconfirmed sign-up proves nothing about the address, so it cannot join an organisation.
    return account.email_verified or account.kind == "internal"


def _resolve(uow: UnitOfWork, actor: Principal, account_ids: object, emails: object, adding: bool = True
             ) -> list[Account]:
    """Accounts named by id (the actor's reach) or by email (JSM ``usernames``); unknown, unverified or
    unreachable ones are a 400 naming them, staff a 400 too."""
    ids = account_ids if account_ids is not None else []
    names = emails if emails is not None else []
    if not isinstance(ids, list) or not isinstance(names, list) \
            or not all(isinstance(i, str) for i in ids + names):
        raise BadRequest("accountIds and usernames must be lists of strings.")
    if not ids and not names:
        raise BadRequest("Name at least one user in accountIds or usernames (email addresses).")
    found: dict[str, Account] = {}
    missing: list[str] = []
    by_id = {a.id: a for a in uow.repo.accounts_by_ids(list(ids))}
    for raw in ids:
        account = by_id.get(raw)
        if account is not None and not actor.is_admin and not uow.repo.account_in_scope(actor.id, account.id):
            account = None
        if account is not None and _claimable(account):
            found[account.id] = account
        else:
            missing.append(raw)
    normalised = []
    for raw in names:
        try:
            normalised.append((raw, normalise_email(raw)))
        except InvalidEmail:
            missing.append(raw)
    by_email = {a.email: a for a in uow.repo.accounts_by_emails([e for _r, e in normalised])}
    for raw, email in normalised:
        account = by_email.get(email)
        if account is not None and _claimable(account):
            found[account.id] = account
        else:
            missing.append(raw)
    if missing:
        raise BadRequest("These users do not exist: " + ", ".join(missing) + ".",
                         errors={"users": missing})
    staff = sorted(a.email for a in found.values() if not may_be_member(a.role))
    if staff and adding:
        raise BadRequest("Only customers can be members of an organisation, not agents or admins: "
                         + ", ".join(staff) + ".", errors={"users": staff})
    return list(found.values())


def add_members(deps: Deps, *, actor: Principal, org_id: int, account_ids: object, emails: object) -> None:
    """Add users (already-present ones are left alone); emits organisation.member_added per new member."""
    require_agent(actor)
    with deps.uow() as uow:
        _get(uow, org_id)
        reach_organisation(uow, actor, org_id)
        present = uow.repo.member_ids(org_id)
        now = deps.now()
        for account in _resolve(uow, actor, account_ids, emails):
            if account.id not in present:
                uow.repo.add_member(org_id, account.id, now)
                uow.emit(ev.member_added(org_id, account.id))
        uow.commit()


def remove_members(deps: Deps, *, actor: Principal, org_id: int, account_ids: object, emails: object) -> None:
    """Remove users; emits organisation.member_removed per removed member."""
    require_agent(actor)
    with deps.uow() as uow:
        _get(uow, org_id)
        reach_organisation(uow, actor, org_id)
        present = uow.repo.member_ids(org_id)
        for account in _resolve(uow, actor, account_ids, emails, adding=False):
            if account.id in present:
                uow.repo.remove_member(org_id, account.id)
                uow.emit(ev.member_removed(org_id, account.id))
        uow.commit()
