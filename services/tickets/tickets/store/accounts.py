"""The local replica of identity's accounts and organisation memberships."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from common.db import Prepared
from common.emails import InvalidEmail, normalise_email
from common.events import utc_now

from ..domain.catalog import Account
from .tables import accounts, desk_agents, organization_members, organizations


# The first statement of every web request (``api.caller.check_caller``), built once: building it
# and computing its cache key each time cost more than running it. Run on the driver (Prepared):
# SQLAlchemy's execution context for it cost more CPU than PostgreSQL's work on it.
_WITH_ORGANIZATIONS = (
    select(accounts, organization_members.c.organization_id, organizations.c.name.label("org_name"))
    .outerjoin(organization_members, organization_members.c.account_id == accounts.c.id)
    .outerjoin(organizations, organizations.c.id == organization_members.c.organization_id)
    .where(accounts.c.id == bindparam("account")))
# The same for agents, with the desks they work on (the caller's Viewer needs both).
_WITH_ORGANIZATIONS_AND_DESKS = _WITH_ORGANIZATIONS.add_columns(desk_agents.c.desk_id.label("agent_desk_id")).outerjoin(
    desk_agents, desk_agents.c.account_id == accounts.c.id)
_CALLER = {False: Prepared(_WITH_ORGANIZATIONS, returns_rows=True),
           True: Prepared(_WITH_ORGANIZATIONS_AND_DESKS, returns_rows=True)}


def _account(row) -> Account:
    return Account(id=row.id, email=row.email, display_name=row.display_name, language=row.language,
                   role=row.role, active=row.active)


def _insert(session: Session, table):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class AccountRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, account_id: str) -> Account | None:
        row = self.session.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def many(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """Accounts by id (unknown ids are simply absent)."""
        ids = {i for i in account_ids if i}
        if not ids:
            return {}
        rows = self.session.execute(select(accounts).where(accounts.c.id.in_(ids))).all()
        return {row.id: _account(row) for row in rows}

    def by_email(self, email: str) -> Account | None:
        """The account of an address, compared in the canonical form of ``common.emails`` (one mailbox per
        address, whichever way its domain is written)."""
        try:
            key = normalise_email(email)
        except InvalidEmail:
            key = email.strip().lower()
        row = self.session.execute(
            select(accounts).where(func.lower(accounts.c.email) == key)
            .order_by(accounts.c.active.desc()).limit(1)
        ).first()
        return _account(row) if row else None

    def resolve(self, ref: str) -> Account | None:
        """An account named by id, by email, or by a display name that only one active account has."""
        ref = str(ref).strip()
        if "@" in ref:
            return self.by_email(ref)
        found = self.get(ref)
        if found is not None or not ref:
            return found
        rows = self.session.execute(
            select(accounts).where(func.lower(accounts.c.display_name) == ref.lower(),
                                   accounts.c.active.is_(True)).limit(2)).all()
        return _account(rows[0]) if len(rows) == 1 else None

    def co_members(self, account_id: str) -> set[str]:
        """Accounts sharing at least one organisation with ``account_id`` (and the account itself)."""
        mine = select(organization_members.c.organization_id).where(organization_members.c.account_id == account_id)
        return set(self.session.execute(
            select(organization_members.c.account_id).where(organization_members.c.organization_id.in_(mine))
        ).scalars()) | {account_id}

    def search(self, query: str, limit: int = 20, within: set[str] | None = None) -> list[Account]:
        """Active accounts whose name or email contains ``query`` (optionally only among ``within``)."""
        pattern = "%" + query.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        scope = accounts.c.id.in_(sorted(within)) if within is not None else accounts.c.id.isnot(None)
        rows = self.session.execute(
            select(accounts).where(
                accounts.c.active.is_(True), scope,
                (func.lower(accounts.c.email).like(pattern, escape="\\"))
                | (func.lower(func.coalesce(accounts.c.display_name, "")).like(pattern, escape="\\")),
            ).order_by(accounts.c.email).limit(limit)
        ).all()
        return [_account(r) for r in rows]

    def members_of(self, org_ids: Iterable[int]) -> set[str]:
        """Accounts belonging to at least one of the organisations."""
        ids = sorted(set(org_ids))
        if not ids:
            return set()
        return set(self.session.execute(select(organization_members.c.account_id)
                                        .where(organization_members.c.organization_id.in_(ids))).scalars())

    def with_organizations(self, account_id: str, desks: bool = False
                           ) -> tuple[Account | None, dict[int, str | None], frozenset[int]]:
        """The account, its organisations (id -> name) and, with ``desks``, the desks it is an agent of, in
        one statement (None when the replica lacks the account)."""
        rows = _CALLER[bool(desks)].run(self.session, {"account": account_id})
        if not rows:
            return None, {}, frozenset()
        agent_desks = frozenset(r.agent_desk_id for r in rows if r.agent_desk_id is not None) if desks else frozenset()
        return (_account(rows[0]), {r.organization_id: r.org_name for r in rows if r.organization_id is not None},
                agent_desks)

    def is_active(self, account_id: str) -> bool | None:
        """The replica's active flag (None when the account is not known yet)."""
        return self.session.execute(select(accounts.c.active).where(accounts.c.id == account_id)).scalar()

    def upsert(self, account: Account, only_if_missing: bool = False) -> None:
        """Insert or update one account row."""
        values = {"id": account.id, "email": account.email, "display_name": account.display_name,
                  "language": account.language, "role": account.role, "active": account.active,
                  "updated_at": utc_now()}
        stmt = _insert(self.session, accounts).values(**values)
        if only_if_missing:
            stmt = stmt.on_conflict_do_nothing(index_elements=["id"])
        else:
            stmt = stmt.on_conflict_do_update(index_elements=["id"],
                                              set_={k: v for k, v in values.items() if k != "id"})
        self.session.execute(stmt)

    def organization_ids(self, account_id: str) -> frozenset[int]:
        return frozenset(self.session.execute(
            select(organization_members.c.organization_id).where(organization_members.c.account_id == account_id)
        ).scalars())

    def organizations(self, org_ids: Iterable[int]) -> dict[int, str]:
        """Organisation names by id."""
        ids = set(org_ids)
        if not ids:
            return {}
        rows = self.session.execute(select(organizations).where(organizations.c.id.in_(ids))).all()
        return {row.id: row.name for row in rows}

    def save_organization(self, org_id: int, name: str, created_by: str | None = None) -> None:
        stmt = _insert(self.session, organizations).values(id=org_id, name=name, created_by=created_by)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"name": name}))

    def organization_creator(self, org_id: int) -> str | None:
        """The agent who created the organisation (None for admins' and unknown ones)."""
        return self.session.execute(select(organizations.c.created_by).where(organizations.c.id == org_id)).scalar()

    def delete_organization(self, org_id: int) -> None:
        self.session.execute(delete(organization_members).where(organization_members.c.organization_id == org_id))
        self.session.execute(delete(organizations).where(organizations.c.id == org_id))

    def add_member(self, org_id: int, account_id: str) -> None:
        stmt = _insert(self.session, organization_members).values(organization_id=org_id, account_id=account_id)
        self.session.execute(stmt.on_conflict_do_nothing())

    def remove_member(self, org_id: int, account_id: str) -> None:
        self.session.execute(delete(organization_members).where(
            organization_members.c.organization_id == org_id, organization_members.c.account_id == account_id))

    def set_active(self, account_id: str, active: bool) -> None:
        self.session.execute(update(accounts).where(accounts.c.id == account_id).values(active=active))
