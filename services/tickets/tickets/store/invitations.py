"""How many participant invitations someone (or a desk) sent lately, from the history that keeps them all."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .tables import ticket_history, tickets

INVITED = "participant_invited"


def recent_invitations(session: Session, since: datetime, *, actor_id: str | None = None,
                       desk_id: int | None = None) -> tuple[int, datetime | None]:
    """(count, oldest moment) of invitations since ``since`` by ``actor_id`` or on ``desk_id``."""
    stmt = select(func.count(), func.min(ticket_history.c.at)).where(
        ticket_history.c.kind == INVITED, ticket_history.c.at > since)
    if actor_id is not None:
        stmt = stmt.where(ticket_history.c.actor_id == actor_id)
    if desk_id is not None:
        stmt = stmt.join(tickets, tickets.c.id == ticket_history.c.ticket_id).where(tickets.c.desk_id == desk_id)
    count, oldest = session.execute(stmt).one()
    return int(count or 0), oldest
