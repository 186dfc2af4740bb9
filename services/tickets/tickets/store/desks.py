"""Service desks and their request types."""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from common.events import utc_now

from ..domain.catalog import Desk, RequestType
from ..domain.fields import FieldSpec, Option
from .tables import desk_organizations, request_type_fields, request_types, service_desks


def _desk(row) -> Desk:
    return Desk(id=row.id, key=row.key, name=row.name, description=row.description, active=row.active,
                invite_unknown_participants=row.invite_unknown_participants)


class DeskRepository:
    def __init__(self, session: Session):
        self.session = session

    def list(self, start: int, limit: int, active_only: bool) -> list[Desk]:
        query = select(service_desks).order_by(service_desks.c.id).offset(start).limit(limit)
        if active_only:
            query = query.where(service_desks.c.active.is_(True))
        return [_desk(r) for r in self.session.execute(query).all()]

    def get(self, ref) -> Desk | None:
        """A desk by id (int or numeric string) or by key."""
        ref = str(ref).strip()
        cond = service_desks.c.id == int(ref) if ref.isdigit() else service_desks.c.key == ref.upper()
        row = self.session.execute(select(service_desks).where(cond)).first()
        return _desk(row) if row else None

    def add(self, key: str, name: str, description: str = "", invite_unknown: bool = False) -> Desk:
        desk_id = self.session.execute(insert(service_desks).values(
            key=key, name=name, description=description, active=True,
            invite_unknown_participants=invite_unknown, last_ticket_number=0, created_at=utc_now(),
        ).returning(service_desks.c.id)).scalar_one()
        return self.get(desk_id)

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
        cond = request_types.c.id == int(ref) if ref.isdigit() else request_types.c.name == ref
        row = self.session.execute(
            select(request_types).where(request_types.c.desk_id == desk_id, cond)).first()
        if row is None:
            return None
        return self._request_type(row, self._fields([row.id]).get(row.id, ()))

    def request_type_by_id(self, rt_id: int) -> RequestType | None:
        row = self.session.execute(select(request_types).where(request_types.c.id == rt_id)).first()
        return self._request_type(row, self._fields([row.id]).get(row.id, ())) if row else None

    def add_request_type(self, desk_id: int, name: str, issue_type: str, description: str = "",
                         help_text: str = "", fields: tuple[FieldSpec, ...] = (), position: int = 0) -> int:
        rt_id = self.session.execute(insert(request_types).values(
            desk_id=desk_id, name=name, issue_type=issue_type, description=description, help_text=help_text,
            position=position,
        ).returning(request_types.c.id)).scalar_one()
        for index, spec in enumerate(fields):
            self.session.execute(insert(request_type_fields).values(
                request_type_id=rt_id, field_id=spec.field_id, label=spec.label, description=spec.description,
                field_type=spec.type, required=spec.required, max_length=spec.max_length, position=index,
                options=[{"value": o.value, "label": o.label} for o in spec.options],
            ))
        return rt_id

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
