"""The people a scope of ``domain.sharing`` covers, as SQL: the people search and name resolution."""
from __future__ import annotations

from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from common.auth import CUSTOMER

from ..domain.catalog import Account
from ..domain.sharing import PeopleScope
from .accounts import _account
from .tables import (
    accounts, desk_agents, desk_customers, desk_organizations, organization_members, ticket_participants,
    ticket_shares, tickets,
)


def touched_organizations(desk_id: int) -> Select:
    """Ids of the organisations a desk touches: linked to it, or sharing one of its requests."""
    shared = (select(ticket_shares.c.organization_id).join(tickets, tickets.c.id == ticket_shares.c.ticket_id)
              .where(tickets.c.desk_id == desk_id))
    return union(select(desk_organizations.c.organization_id).where(desk_organizations.c.desk_id == desk_id),
                 shared)


def desk_customers_query(desk_id: int) -> Select:
    """Ids of the accounts a desk touches as customers (see ``domain.sharing``)."""
    orgs = touched_organizations(desk_id).subquery()
    return union(
        select(desk_customers.c.account_id).where(desk_customers.c.desk_id == desk_id),
        select(organization_members.c.account_id).where(organization_members.c.organization_id.in_(select(orgs))),
        select(tickets.c.reporter_id).where(tickets.c.desk_id == desk_id),
        select(ticket_participants.c.account_id).join(tickets, tickets.c.id == ticket_participants.c.ticket_id)
        .where(tickets.c.desk_id == desk_id),
    )


def _co_members(account_id: str) -> Select:
    mine = select(organization_members.c.organization_id).where(organization_members.c.account_id == account_id)
    return select(organization_members.c.account_id).where(organization_members.c.organization_id.in_(mine))


def scope_query(account_id: str, desk_id: int | None, scope: PeopleScope) -> Select:
    """Ids of the accounts ``scope`` offers to ``account_id`` on ``desk_id``."""
    parts = [_co_members(account_id)]
    if desk_id is not None and scope.desk_customers:
        customers = desk_customers_query(desk_id).subquery()
        parts.append(select(accounts.c.id).where(accounts.c.id.in_(select(customers)), accounts.c.role == CUSTOMER))
    if desk_id is not None and scope.desk_agents:
        parts.append(select(desk_agents.c.account_id).where(desk_agents.c.desk_id == desk_id))
    return union(*parts)


class PeopleRepository:
    def __init__(self, session: Session):
        self.session = session

    def search(self, query: str, limit: int, within: Select) -> list[Account]:
        """Active accounts among ``within`` whose name or email contains ``query``."""
        pattern = "%" + query.strip().lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        ids = within.subquery()
        rows = self.session.execute(
            select(accounts).where(
                accounts.c.active.is_(True), accounts.c.id.in_(select(ids)),
                (func.lower(accounts.c.email).like(pattern, escape="\\"))
                | (func.lower(func.coalesce(accounts.c.display_name, "")).like(pattern, escape="\\")),
            ).order_by(accounts.c.email).limit(limit)).all()
        return [_account(r) for r in rows]

    def by_id_or_name(self, ref: str, within: Select) -> Account | None:
        """The account with this id, or the one active account with this display name, among ``within``."""
        ids = within.subquery()
        in_scope = accounts.c.id.in_(select(ids))
        row = self.session.execute(select(accounts).where(accounts.c.id == ref, in_scope)).first()
        if row is not None:
            return _account(row)
        rows = self.session.execute(select(accounts).where(
            and_(func.lower(accounts.c.display_name) == ref.lower(), accounts.c.active.is_(True), in_scope))
            .limit(2)).all()
        return _account(rows[0]) if len(rows) == 1 else None
