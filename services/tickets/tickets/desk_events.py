"""Facts about a desk that identity keeps to scope what agents may reach there (``desk.*.v1``)."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.events import CloudEvent, event_type
from common.log import current_correlation_id

from .domain.catalog import Desk
from .store.tables import desk_agents, desk_organizations

SOURCE = "/servicedesk/tickets"


def _event(name: str, desk: Desk, **data) -> CloudEvent:
    return CloudEvent(type=event_type(name, 1), source=SOURCE, subject=desk.key,
                      data={"deskId": str(desk.id), "deskKey": desk.key, **data},
                      correlationid=current_correlation_id())


def agents_changed(session: Session, desk: Desk) -> CloudEvent:
    ids = session.execute(select(desk_agents.c.account_id).where(desk_agents.c.desk_id == desk.id)
                          .order_by(desk_agents.c.account_id)).scalars()
    return _event("desk.agents_changed", desk, agentIds=list(ids))


def organizations_changed(session: Session, desk: Desk) -> CloudEvent:
    ids = session.execute(select(desk_organizations.c.organization_id)
                          .where(desk_organizations.c.desk_id == desk.id)
                          .order_by(desk_organizations.c.organization_id)).scalars()
    return _event("desk.organizations_changed", desk, organizationIds=[str(i) for i in ids])


def customers_changed(desk: Desk, added: Iterable[str] = (), removed: Iterable[str] = ()) -> CloudEvent:
    return _event("desk.customers_changed", desk, added=sorted(added), removed=sorted(removed))
