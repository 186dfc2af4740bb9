"""Queries over identity's tables; repositories add and load, they never commit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, or_, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from common.auth import CUSTOMER, STAFF_ROLES

from ..domain.model import Account, Organisation
from ..domain.tokens import ApiToken, OneTimeToken, RefreshToken
from ..domain.tokens import INVITE
from .tables import accounts, desk_agents, desk_customers, desk_organisations, one_time_tokens, organisation_members
from .tables import organisations as organisations_table

# INSERT ... ON CONFLICT, in the two databases identity runs on.
_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Repository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, obj) -> None:
        self.session.add(obj)

    def delete(self, obj) -> None:
        self.session.delete(obj)

    def flush(self) -> None:
        self.session.flush()

    # accounts
    def account(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def account_by_email(self, email: str) -> Account | None:
        return self.session.scalars(select(Account).where(Account.email == email)).first()

    def accounts_by_ids(self, ids: list[str]) -> list[Account]:
        return list(self.session.scalars(select(Account).where(Account.id.in_(ids)))) if ids else []

    def accounts_by_emails(self, emails: list[str]) -> list[Account]:
        return list(self.session.scalars(select(Account).where(Account.email.in_(emails)))) if emails else []

    def staff_names(self) -> list[str]:
        """Display names of agents and admins (what customers' names may not pass for)."""
        stmt = select(Account.display_name).where(Account.role.in_(STAFF_ROLES), Account.display_name.is_not(None))
        return list(self.session.scalars(stmt))

    # what an agent reaches (domain.scope)
    def _agent_desks(self, agent_id: str) -> Select:
        return select(desk_agents.c.desk_id).where(desk_agents.c.account_id == agent_id)

    def scoped_organisation_ids(self, agent_id: str) -> Select:
        """Organisations the agent's desks touch, and those the agent created."""
        return union(
            select(desk_organisations.c.organisation_id).where(
                desk_organisations.c.desk_id.in_(self._agent_desks(agent_id)),
                or_(desk_organisations.c.linked, desk_organisations.c.shared)),
            select(organisations_table.c.id).where(organisations_table.c.created_by == agent_id))

    def scoped_account_ids(self, agent_id: str) -> Select:
        """Accounts the agent's desks touch, the agent invited, in the organisations above; the desks' agents."""
        orgs = self.scoped_organisation_ids(agent_id).subquery()
        desks = self._agent_desks(agent_id)
        return union(
            select(desk_customers.c.account_id).where(desk_customers.c.desk_id.in_(desks),
                                                      or_(desk_customers.c.listed, desk_customers.c.involved)),
            select(organisation_members.c.account_id).where(organisation_members.c.organisation_id.in_(select(orgs))),
            select(accounts.c.id).where(accounts.c.invited_by == agent_id),
            select(desk_agents.c.account_id).where(desk_agents.c.desk_id.in_(desks)),
            select(accounts.c.id).where(accounts.c.id == agent_id))

    def account_in_scope(self, agent_id: str, account_id: str) -> bool:
        ids = self.scoped_account_ids(agent_id).subquery()
        return bool(self.session.execute(select(exists().where(ids.c[0] == account_id))).scalar())

    def organisation_in_scope(self, agent_id: str, org_id: int) -> bool:
        ids = self.scoped_organisation_ids(agent_id).subquery()
        return bool(self.session.execute(select(exists().where(ids.c[0] == org_id))).scalar())

    # the replica of what desks touch (tickets' events)
    def set_desk_agents(self, desk_id: int, agent_ids: list[str]) -> None:
        self.session.execute(delete(desk_agents).where(desk_agents.c.desk_id == desk_id))
        for account_id in sorted(set(agent_ids)):
            self.session.execute(insert(desk_agents).values(desk_id=desk_id, account_id=account_id))

    def set_desk_links(self, desk_id: int, org_ids: list[int]) -> None:
        t = desk_organisations
        self.session.execute(update(t).where(t.c.desk_id == desk_id).values(linked=False))
        self._set_flag(t, desk_id, org_ids, "linked", True)

    def desk_shared_with(self, desk_id: int, org_ids: list[int]) -> None:
        self._set_flag(desk_organisations, desk_id, org_ids, "shared", True)

    def desk_customers_listed(self, desk_id: int, account_ids: list[str], listed: bool) -> None:
        self._set_flag(desk_customers, desk_id, account_ids, "listed", listed)

    def desk_customers_involved(self, desk_id: int, account_ids: list[str]) -> None:
        self._set_flag(desk_customers, desk_id, account_ids, "involved", True)

    def _set_flag(self, table, desk_id: int, ids, flag: str, value: bool) -> None:
        """Set ``flag`` on the desk's row of each id, inserting missing rows (other flags false): one
        upsert, which leaves a row that already has the value untouched (no new row version)."""
        ids = sorted(set(ids))
        if not ids:
            return
        key = next(c for c in table.primary_key.columns if c.name != "desk_id")
        defaults = {c.name: False for c in table.columns if not c.primary_key}
        stmt = _UPSERT[self.session.get_bind().dialect.name](table).values(
            [{"desk_id": desk_id, key.name: i, **defaults, flag: value} for i in ids])
        self.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.desk_id, key],
                                                        set_={flag: value}, where=table.c[flag] != value))

    def search_accounts(self, query: str | None, roles: tuple[str, ...], start: int, limit: int,
                        kind: str | None = None, active: bool | None = None, within: Select | None = None
                        ) -> list[Account]:
        """Accounts of ``roles`` (and ``kind``, ``active``, among ``within``) whose name or email contains
        ``query``, ordered by email; one extra row tells if more exist."""
        stmt = select(Account).where(Account.role.in_(roles))
        if within is not None:
            stmt = stmt.where(Account.id.in_(select(within.subquery())))
        if kind is not None:
            stmt = stmt.where(Account.kind == kind)
        if active is not None:
            stmt = stmt.where(Account.active == active)
        if query:
            pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(or_(Account.email.like(pattern, escape="\\"),
                                  func.lower(Account.display_name).like(pattern, escape="\\")))
        return list(self.session.scalars(stmt.order_by(Account.email).offset(start).limit(limit + 1)))

    def invitees(self, state: str | None, now: datetime, start: int, limit: int,
                 within: Select | None = None) -> list[Account]:
        """Customers registered by the support team or invited onto a request, newest first, optionally only
        those whose invitation is pending, accepted or expired (one extra row tells if more exist)."""
        t = one_time_tokens
        latest = (select(t.c.account_id, func.max(t.c.id).label("token_id")).where(t.c.purpose == INVITE)
                  .group_by(t.c.account_id).subquery())
        token = t.alias("latest_invite")
        stmt = (select(Account).outerjoin(latest, latest.c.account_id == Account.id)
                .outerjoin(token, token.c.id == latest.c.token_id)
                .where(Account.role == CUSTOMER, or_(Account.kind == "internal", latest.c.token_id.is_not(None))))
        if within is not None:
            stmt = stmt.where(Account.id.in_(select(within.subquery())))
        accepted = and_(Account.password_hash.is_not(None), Account.email_verified.is_(True))
        pending = and_(~accepted, token.c.id.is_not(None), token.c.used_at.is_(None), token.c.revoked_at.is_(None), token.c.expires_at > now)
        if state == "accepted":
            stmt = stmt.where(accepted)
        elif state == "pending":
            stmt = stmt.where(pending)
        elif state == "expired":
            stmt = stmt.where(~accepted, ~pending)
        stmt = stmt.order_by(Account.created_at.desc(), Account.email).offset(start).limit(limit + 1)
        return list(self.session.scalars(stmt))

    # one-time tokens
    def one_time_token(self, token_hash: str) -> OneTimeToken | None:
        stmt = select(OneTimeToken).where(OneTimeToken.token_hash == token_hash).with_for_update()
        return self.session.scalars(stmt).first()

    def open_tokens(self, account_id: str, purpose: str) -> list[OneTimeToken]:
        """Tokens of a purpose neither used nor revoked (expired ones included), newest first."""
        stmt = select(OneTimeToken).where(
            OneTimeToken.account_id == account_id, OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None), OneTimeToken.revoked_at.is_(None),
        ).order_by(OneTimeToken.id.desc())
        return list(self.session.scalars(stmt))

    def latest_tokens(self, account_ids: list[str], purpose: str) -> dict[str, OneTimeToken]:
        if not account_ids:
            return {}
        stmt = select(OneTimeToken).where(
            OneTimeToken.account_id.in_(account_ids), OneTimeToken.purpose == purpose
        ).order_by(OneTimeToken.id)
        return {tok.account_id: tok for tok in self.session.scalars(stmt)}

    # refresh tokens
    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        return self.session.scalars(stmt).first()

    def refresh_children(self, parent_id: str) -> list[RefreshToken]:
        """The links issued when ``parent_id`` was rotated (one, or a few siblings within the grace window)."""
        return list(self.session.scalars(select(RefreshToken).where(RefreshToken.parent_id == parent_id)))

    def revoke_refresh_tokens(self, now: datetime, *, family_id: str | None = None,
                              account_id: str | None = None) -> int:
        """Revoke every live refresh token of a family or of an account; return how many."""
        cond = RefreshToken.family_id == family_id if family_id else RefreshToken.account_id == account_id
        tokens = list(self.session.scalars(select(RefreshToken).where(cond, RefreshToken.revoked_at.is_(None))))
        for tok in tokens:
            tok.revoked_at = now
        return len(tokens)

    # API tokens
    def api_token(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()

    def api_tokens_of(self, account_id: str) -> list[ApiToken]:
        stmt = select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at)
        return list(self.session.scalars(stmt))

    def delete_api_tokens_of(self, account_id: str) -> None:
        self.session.execute(delete(ApiToken).where(ApiToken.account_id == account_id))

    # organisations
    def organisation(self, org_id: int) -> Organisation | None:
        return self.session.get(Organisation, org_id)

    def organisation_by_name(self, name: str) -> Organisation | None:
        stmt = select(Organisation).where(func.lower(Organisation.name) == name.lower())
        return self.session.scalars(stmt).first()

    def organisations(self, start: int, limit: int, member_id: str | None = None,
                      within: Select | None = None) -> list[Organisation]:
        stmt = select(Organisation)
        if within is not None:
            stmt = stmt.where(Organisation.id.in_(select(within.subquery())))
        if member_id is not None:
            m = organisation_members
            stmt = stmt.join(m, and_(m.c.organisation_id == Organisation.id, m.c.account_id == member_id))
        return list(self.session.scalars(stmt.order_by(Organisation.id).offset(start).limit(limit + 1)))

    def member_ids(self, org_id: int) -> set[str]:
        m = organisation_members
        return set(self.session.scalars(select(m.c.account_id).where(m.c.organisation_id == org_id)))

    def members(self, org_id: int, start: int, limit: int) -> list[Account]:
        m = organisation_members
        stmt = (select(Account).join(m, m.c.account_id == Account.id).where(m.c.organisation_id == org_id)
                .order_by(Account.email).offset(start).limit(limit + 1))
        return list(self.session.scalars(stmt))

    def add_member(self, org_id: int, account_id: str, now: datetime) -> None:
        self.session.execute(insert(organisation_members).values(
            organisation_id=org_id, account_id=account_id, added_at=now))

    def remove_member(self, org_id: int, account_id: str) -> None:
        m = organisation_members
        self.session.execute(delete(m).where(m.c.organisation_id == org_id, m.c.account_id == account_id))

    def organisation_ids_of(self, account_id: str) -> list[int]:
        m = organisation_members
        return list(self.session.scalars(select(m.c.organisation_id).where(m.c.account_id == account_id)
                                         .order_by(m.c.organisation_id)))
