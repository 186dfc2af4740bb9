"""Service desks and their request types."""
from __future__ import annotations

import functools

from sqlalchemy import ARRAY, Integer, any_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from common.auth import ADMIN, STAFF_ROLES
from common.db import Prepared
from common.events import utc_now

from ..domain.catalog import Desk, RequestType
from ..domain.fields import FieldSpec, Option
from ..domain.ids import as_id
from .tables import (
    accounts, desk_agents, desk_customers, desk_organizations, desk_pending_agents, organization_members,
    request_type_fields, request_types, service_desks, tickets,
)

SETTINGS = {"name": "name", "description": "description", "active": "active", "restricted": "restricted",
            "allowParticipantInvites": "invite_unknown_participants", "emailAddress": "email_address",
            "emailRequestTypeId": "email_request_type_id", "emailSignup": "email_signup",
            "emailRequireDmarc": "email_require_dmarc",
            "customerSharing": "customer_sharing"}


def _request_types_query(*conds):
    f = request_type_fields
    return (select(request_types, f.c.id.label("f_id"), f.c.field_id, f.c.label, f.c.field_type, f.c.required,
                   f.c.description.label("f_description"), f.c.max_length, f.c.options)
            .outerjoin(f, f.c.request_type_id == request_types.c.id).where(*conds)
            .order_by(request_types.c.id, f.c.position, f.c.id))


@functools.cache
def _request_types_by_ids(dialect: str) -> Prepared:
    """Built once per dialect and run on the driver: every list of requests reads its request types, and
    building the join and SQLAlchemy's execution context cost more than running it. The ids are one array
    parameter on PostgreSQL (the same SQL text whatever their number), an expanding IN elsewhere."""
    if dialect == "postgresql":
        ids = request_types.c.id == any_(bindparam("rt_ids", type_=ARRAY(Integer)))
    else:
        ids = request_types.c.id.in_(bindparam("rt_ids", expanding=True))
    return Prepared(_request_types_query(ids), returns_rows=True)


def _desk(row) -> Desk:
    return Desk(id=row.id, key=row.key, name=row.name, description=row.description, active=row.active,
                invite_unknown_participants=row.invite_unknown_participants, restricted=row.restricted,
                email_address=row.email_address, email_request_type_id=row.email_request_type_id,
                email_signup=row.email_signup, email_require_dmarc=row.email_require_dmarc,
                customer_sharing=row.customer_sharing)


# Statements of the intake path, built once: constructing a statement and computing its cache key
# cost more than PostgreSQL's own work on it (bench/profiles/README.md).
_NUMBER_TICKET = text(
    "WITH n AS (UPDATE service_desks SET last_ticket_number = last_ticket_number + 1 "
    "WHERE id = :desk RETURNING last_ticket_number) "
    "UPDATE tickets SET number = n.last_ticket_number, key = :prefix || n.last_ticket_number "
    "FROM n WHERE tickets.id = :ticket RETURNING tickets.number")


@functools.cache
def _new_request_query(desk_by_id: bool, rt_by_id: bool):
    """``for_new_request``'s statement; the desk is bound as ``:desk`` (id or key), the type as ``:rt``."""
    desk_cond = (service_desks.c.id if desk_by_id else service_desks.c.key) == bindparam("desk", None)
    rt_cond = (request_types.c.id if rt_by_id else request_types.c.name) == bindparam("rt", None)
    f = request_type_fields
    desk_staff = (select(func.aggregate_strings(desk_agents.c.account_id, ","))
                  .join(accounts, accounts.c.id == desk_agents.c.account_id)
                  .where(desk_agents.c.desk_id == service_desks.c.id, accounts.c.active.is_(True),
                         accounts.c.role.in_(STAFF_ROLES)).scalar_subquery())
    # As agent_ids: every active admin when the desk has no agent (read only in that case).
    admins = (select(func.aggregate_strings(accounts.c.id, ","))
              .where(accounts.c.role == ADMIN, accounts.c.active.is_(True)).scalar_subquery())
    agents = func.coalesce(desk_staff, admins)
    return Prepared(select(service_desks, agents.label("agent_list"), request_types.c.id.label("rt_id"),
                   request_types.c.name.label("rt_name"), request_types.c.description.label("rt_description"),
                   request_types.c.help_text, request_types.c.issue_type, f.c.id.label("f_id"), f.c.field_id,
                   f.c.label, f.c.field_type, f.c.required, f.c.description.label("f_description"), f.c.max_length,
                   f.c.options)
            .outerjoin(request_types, (request_types.c.desk_id == service_desks.c.id) & rt_cond)
            .outerjoin(f, f.c.request_type_id == request_types.c.id).where(desk_cond)
            .order_by(request_types.c.id, f.c.position, f.c.id), returns_rows=True)


class DeskRepository:
    def __init__(self, session: Session):
        self.session = session

    def list(self, start: int, limit: int, everything: bool, account_id: str = "", as_agent: bool = False
             ) -> list[Desk]:
        """Desks in id order: all, or those ``account_id`` may use (``domain.visibility.can_use_desk`` as
        SQL: an agent's own desks, and those open to them as a customer)."""
        query = select(service_desks).order_by(service_desks.c.id).offset(start).limit(limit)
        if not everything:
            usable = service_desks.c.active.is_(True) & (
                service_desks.c.restricted.is_(False) | service_desks.c.id.in_(self._customer_desks(account_id)))
            if as_agent:
                usable = usable | service_desks.c.id.in_(self._agent_desks(account_id))
            query = query.where(usable)
        return [_desk(r) for r in self.session.execute(query).all()]

    def list_worked_on(self, account_id: str) -> list[Desk]:
        """The desks ``account_id`` works on as an agent, in id order."""
        query = select(service_desks).where(service_desks.c.id.in_(self._agent_desks(account_id)))
        return [_desk(r) for r in self.session.execute(query.order_by(service_desks.c.id)).all()]

    @staticmethod
    def _agent_desks(account_id: str):
        return select(desk_agents.c.desk_id).where(desk_agents.c.account_id == account_id)

    def _customer_desks(self, account_id: str):
        orgs = select(organization_members.c.organization_id).where(organization_members.c.account_id == account_id)
        return select(desk_customers.c.desk_id).where(desk_customers.c.account_id == account_id).union(
            select(desk_organizations.c.desk_id).where(desk_organizations.c.organization_id.in_(orgs)))

    def is_customer(self, desk_id: int, account_id: str) -> bool:
        """Added to the desk as a customer, directly or through one of its organisations."""
        return desk_id in set(self.session.execute(self._customer_desks(account_id)).scalars())

    def by_email(self, addresses) -> Desk | None:
        """The desk whose address is one of ``addresses`` (lower-case, without plus tags)."""
        wanted = sorted({a.lower() for a in addresses if a})
        if not wanted:
            return None
        row = self.session.execute(select(service_desks).where(func.lower(service_desks.c.email_address).in_(wanted))
                                   .order_by(service_desks.c.id).limit(1)).first()
        return _desk(row) if row else None

    def update(self, desk_id: int, changes: dict) -> Desk:
        """Apply settings named as in the API (``allowParticipantInvites``...)."""
        values = {SETTINGS[k]: v for k, v in changes.items() if k in SETTINGS}
        if values:
            self.session.execute(update(service_desks).where(service_desks.c.id == desk_id).values(**values))
        return self.get(desk_id)

    # -- agents and customers of a desk ------------------------------------------------------
    def agent_desk_ids(self, account_id: str) -> frozenset[int]:
        return frozenset(self.session.execute(
            select(desk_agents.c.desk_id).where(desk_agents.c.account_id == account_id)).scalars())

    def agent_ids(self, desk_id: int) -> list[str]:
        """Active agents of the desk; every active admin when the desk has none (nothing goes unheard)."""
        active = (accounts.c.active.is_(True))
        found = list(self.session.execute(
            select(desk_agents.c.account_id).join(accounts, accounts.c.id == desk_agents.c.account_id)
            .where(desk_agents.c.desk_id == desk_id, active, accounts.c.role.in_(STAFF_ROLES))
            .order_by(desk_agents.c.account_id)).scalars())
        if found:
            return found
        return list(self.session.execute(select(accounts.c.id).where(accounts.c.role == ADMIN, active)
                                         .order_by(accounts.c.id)).scalars())

    def members(self, table, desk_id: int, start: int, limit: int) -> list[str]:
        """A page of the account ids in ``desk_agents`` or ``desk_customers`` for the desk."""
        return list(self.session.execute(
            select(table.c.account_id).join(accounts, accounts.c.id == table.c.account_id)
            .where(table.c.desk_id == desk_id).order_by(accounts.c.email, table.c.account_id)
            .offset(start).limit(limit)).scalars())

    def add_members(self, table, desk_id: int, account_ids) -> None:
        known = set(self.session.execute(select(table.c.account_id).where(table.c.desk_id == desk_id)).scalars())
        for account_id in sorted(set(account_ids) - known):
            self.session.execute(insert(table).values(desk_id=desk_id, account_id=account_id))

    def remove_members(self, table, desk_id: int, account_ids) -> None:
        if account_ids:
            self.session.execute(delete(table).where(table.c.desk_id == desk_id,
                                                     table.c.account_id.in_(sorted(account_ids))))

    def add_pending_agents(self, desk_id: int, emails) -> None:
        known = set(self.session.execute(select(desk_pending_agents.c.email)
                                         .where(desk_pending_agents.c.desk_id == desk_id)).scalars())
        for email in sorted({e.strip().lower() for e in emails} - known):
            self.session.execute(insert(desk_pending_agents).values(desk_id=desk_id, email=email))

    def remove_pending_agents(self, desk_id: int, emails) -> None:
        if emails:
            self.session.execute(delete(desk_pending_agents).where(
                desk_pending_agents.c.desk_id == desk_id,
                desk_pending_agents.c.email.in_(sorted({e.strip().lower() for e in emails}))))

    def pending_agents(self, desk_id: int) -> list[str]:
        return list(self.session.execute(select(desk_pending_agents.c.email)
                                         .where(desk_pending_agents.c.desk_id == desk_id)
                                         .order_by(desk_pending_agents.c.email)).scalars())

    def resolve_pending_agent(self, email: str, account_id: str) -> list[int]:
        """Turn the memberships waiting for ``email`` into memberships of the account; returns the desks."""
        email = email.strip().lower()
        desk_ids = list(self.session.execute(select(desk_pending_agents.c.desk_id).where(
            func.lower(desk_pending_agents.c.email) == email)).scalars())
        for desk_id in desk_ids:
            self.add_members(desk_agents, desk_id, [account_id])
        if desk_ids:
            self.session.execute(delete(desk_pending_agents).where(func.lower(desk_pending_agents.c.email) == email))
        return desk_ids

    def get(self, ref) -> Desk | None:
        """A desk by id (int or numeric string) or by key."""
        ref = str(ref).strip()
        ident = as_id(ref)
        cond = service_desks.c.id == ident if ident is not None else service_desks.c.key == ref.upper()
        row = self.session.execute(select(service_desks).where(cond)).first()
        return _desk(row) if row else None

    def add(self, key: str, name: str, description: str = "", invite_unknown: bool = False) -> Desk:
        desk_id = self.session.execute(insert(service_desks).values(
            key=key, name=name, description=description, active=True, restricted=False,
            invite_unknown_participants=invite_unknown, last_ticket_number=0, created_at=utc_now(),
        ).returning(service_desks.c.id)).scalar_one()
        return self.get(desk_id)

    def number_ticket(self, desk: Desk, ticket_id: int) -> int:
        """Give a new ticket the desk's next number and its key; meant as the transaction's last write.

        Bumping the counter locks the desk row until commit, so concurrent creations on one desk
        queue up here and a rolled-back creation gives its number back (keys unique and gap-free).
        Everything else the creation writes comes before, so the lock is held for as little as
        possible: on PostgreSQL the counter and the ticket's key are one statement.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            return self.session.execute(_NUMBER_TICKET, {"desk": desk.id, "ticket": ticket_id,
                                                         "prefix": f"{desk.key}-"}).scalar_one()
        number = self.next_ticket_number(desk.id)
        self.session.execute(update(tickets).where(tickets.c.id == ticket_id).values(
            number=number, key=f"{desk.key}-{number}"))
        return number

    def next_ticket_number(self, desk_id: int) -> int:
        """Reserve the desk's next ticket number inside the caller's transaction.

        The UPDATE holds the desk row's lock until commit, so concurrent creations queue up and
        a rolled-back creation gives its number back: keys are unique and gap-free.
        """
        return self.session.execute(
            update(service_desks).where(service_desks.c.id == desk_id)
            .values(last_ticket_number=service_desks.c.last_ticket_number + 1)
            .returning(service_desks.c.last_ticket_number)
        ).scalar_one()

    # -- request types -----------------------------------------------------------------------
    def request_types(self, desk_id: int) -> list[RequestType]:
        rows = self.session.execute(
            select(request_types).where(request_types.c.desk_id == desk_id)
            .order_by(request_types.c.position, request_types.c.id)
        ).all()
        fields = self._fields([r.id for r in rows])
        return [self._request_type(r, fields.get(r.id, ())) for r in rows]

    def request_type(self, desk_id: int, ref) -> RequestType | None:
        """A request type of the desk by id (int or numeric string) or by exact name."""
        ref = str(ref).strip()
        ident = as_id(ref)
        cond = request_types.c.id == ident if ident is not None else request_types.c.name == ref
        return self._request_type_where(request_types.c.desk_id == desk_id, cond)

    def request_type_by_id(self, rt_id: int) -> RequestType | None:
        return self._request_type_where(request_types.c.id == rt_id)

    def request_types_by_ids(self, rt_ids) -> dict[int, RequestType]:
        """Request types with their fields by id, in one statement."""
        prepared = _request_types_by_ids(self.session.get_bind().dialect.name)
        return {rt.id: rt for rt in self._request_types_where(prepared=prepared, params={"rt_ids": sorted(rt_ids)})}

    def many(self, desk_ids) -> dict[int, Desk]:
        """Desks by id, in one statement."""
        rows = self.session.execute(select(service_desks).where(service_desks.c.id.in_(sorted(desk_ids)))).all()
        return {row.id: _desk(row) for row in rows}

    def for_new_request(self, desk_ref, rt_ref) -> tuple[Desk | None, RequestType | None, list[str]]:
        """The desk, its request type with fields and ``agent_ids``, for a new request, in one statement."""
        desk_ref, rt_ref = str(desk_ref).strip(), str(rt_ref).strip()
        desk_id, rt_id = as_id(desk_ref), as_id(rt_ref)
        rows = _new_request_query(desk_id is not None, rt_id is not None).run(self.session, {
            "desk": desk_id if desk_id is not None else desk_ref.upper(),
            "rt": rt_id if rt_id is not None else rt_ref})
        if not rows:
            return None, None, []
        first = rows[0]
        agent_ids = sorted(first.agent_list.split(",")) if first.agent_list else []
        if first.rt_id is None:
            return _desk(first), None, agent_ids
        fields = tuple(self._field(r) for r in rows if r.rt_id == first.rt_id and r.f_id is not None)
        request_type = RequestType(id=first.rt_id, desk_id=first.id, name=first.rt_name,
                                   description=first.rt_description, help_text=first.help_text,
                                   issue_type=first.issue_type, fields=fields)
        return _desk(first), request_type, agent_ids

    def _request_type_where(self, *conds) -> RequestType | None:
        found = self._request_types_where(*conds)
        return found[0] if found else None

    def _request_types_where(self, *conds, prepared: Prepared | None = None, params=None) -> list[RequestType]:
        """Request types with their fields, in one statement (a join: never one query per type)."""
        rows = (self.session.execute(_request_types_query(*conds)).all() if prepared is None
                else prepared.run(self.session, params))
        grouped: dict[int, list] = {}
        for r in rows:
            grouped.setdefault(r.id, []).append(r)
        return [self._request_type(group[0], tuple(self._field(r) for r in group if r.f_id is not None))
                for group in grouped.values()]

    @staticmethod
    def _field(r) -> FieldSpec:
        return FieldSpec(field_id=r.field_id, label=r.label, type=r.field_type, required=r.required,
                         description=r.f_description, max_length=r.max_length,
                         options=tuple(Option(o["value"], o["label"]) for o in (r.options or [])))

    def add_request_type(self, desk_id: int, name: str, issue_type: str, description: str = "",
                         help_text: str = "", fields: tuple[FieldSpec, ...] = (), position: int = 0) -> int:
        rt_id = self.session.execute(insert(request_types).values(
            desk_id=desk_id, name=name, issue_type=issue_type, description=description, help_text=help_text,
            position=position,
        ).returning(request_types.c.id)).scalar_one()
        self._insert_fields(rt_id, fields)
        return rt_id

    def update_request_type(self, rt_id: int, values: dict) -> None:
        """Change name, description, help text (the columns named as in ``domain.admin``)."""
        if values:
            self.session.execute(update(request_types).where(request_types.c.id == rt_id).values(**values))

    def delete_request_type(self, rt_id: int) -> None:
        self.session.execute(delete(request_types).where(request_types.c.id == rt_id))

    def requests_of_type(self, rt_id: int) -> int:
        return self.session.execute(select(func.count()).select_from(tickets)
                                    .where(tickets.c.request_type_id == rt_id)).scalar_one()

    def fields_in_use(self, rt_id: int, field_ids) -> dict[str, int]:
        """How many requests of the type hold a value for each of ``field_ids`` (only those that do)."""
        wanted, counts = set(field_ids), {}
        if not wanted:
            return counts
        # JSON key tests differ between PostgreSQL and SQLite; an admin's edit can afford the scan.
        for values in self.session.execute(select(tickets.c.field_values)
                                           .where(tickets.c.request_type_id == rt_id)).scalars():
            for key in wanted & set(values or {}):
                counts[key] = counts.get(key, 0) + 1
        return counts

    def replace_fields(self, rt_id: int, fields: tuple[FieldSpec, ...]) -> None:
        """Swap a request type's fields for ``fields`` (values on existing tickets stay as they are)."""
        self.session.execute(delete(request_type_fields).where(request_type_fields.c.request_type_id == rt_id))
        self._insert_fields(rt_id, fields)

    def _insert_fields(self, rt_id: int, fields) -> None:
        for index, spec in enumerate(fields):
            self.session.execute(insert(request_type_fields).values(
                request_type_id=rt_id, field_id=spec.field_id, label=spec.label, description=spec.description,
                field_type=spec.type, required=spec.required, max_length=spec.max_length, position=index,
                options=[{"value": o.value, "label": o.label} for o in spec.options],
            ))

    def _fields(self, rt_ids: list[int]) -> dict[int, tuple[FieldSpec, ...]]:
        if not rt_ids:
            return {}
        rows = self.session.execute(
            select(request_type_fields).where(request_type_fields.c.request_type_id.in_(rt_ids))
            .order_by(request_type_fields.c.position, request_type_fields.c.id)
        ).all()
        out: dict[int, list[FieldSpec]] = {}
        for r in rows:
            out.setdefault(r.request_type_id, []).append(FieldSpec(
                field_id=r.field_id, label=r.label, type=r.field_type, required=r.required,
                description=r.description, max_length=r.max_length,
                options=tuple(Option(o["value"], o["label"]) for o in (r.options or [])),
            ))
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _request_type(row, fields) -> RequestType:
        return RequestType(id=row.id, desk_id=row.desk_id, name=row.name, description=row.description,
                           help_text=row.help_text, issue_type=row.issue_type, fields=tuple(fields))

    # -- organisations linked to a desk ------------------------------------------------------
    def organization_ids(self, desk_id: int) -> list[int]:
        return list(self.session.execute(
            select(desk_organizations.c.organization_id).where(desk_organizations.c.desk_id == desk_id)
            .order_by(desk_organizations.c.organization_id)).scalars())

    def link_organization(self, desk_id: int, org_id: int) -> None:
        if org_id not in self.organization_ids(desk_id):
            self.session.execute(insert(desk_organizations).values(desk_id=desk_id, organization_id=org_id))

    def unlink_organization(self, desk_id: int, org_id: int) -> None:
        self.session.execute(delete(desk_organizations).where(
            desk_organizations.c.desk_id == desk_id, desk_organizations.c.organization_id == org_id))
