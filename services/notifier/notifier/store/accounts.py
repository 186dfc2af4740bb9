"""The accounts replica: upserts from identity events, lookups by id for ticket audiences."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.model import Account
from .tables import accounts


def upsert(session: Session, account: Account, as_of: datetime) -> bool:
    """Insert or update ``account`` unless a newer event already wrote it; True if the row changed."""
    values = {
        "email": account.email,
        "display_name": account.display_name,
        "language": account.language,
        "role": account.role,
        "active": account.active,
        "updated_at": as_of,
    }
    row = session.execute(
        select(accounts.c.updated_at).where(accounts.c.id == account.id).with_for_update()
    ).first()
    if row is None:
        session.execute(accounts.insert().values(id=account.id, **values))
        return True
    if _aware(row.updated_at) > as_of:
        return False
    session.execute(accounts.update().where(accounts.c.id == account.id).values(**values))
    return True


def find(session: Session, ids: list[str]) -> dict[str, Account]:
    """The known accounts among ``ids``, by id (unknown ids are simply absent)."""
    if not ids:
        return {}
    rows = session.execute(select(accounts).where(accounts.c.id.in_(ids))).all()
    return {
        row.id: Account(
            id=row.id, email=row.email, display_name=row.display_name, language=row.language,
            role=row.role, active=row.active,
        )
        for row in rows
    }


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
