"""The accounts replica: upserts from identity events, lookups by id for ticket audiences."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.model import Account
from .prepared import ACCOUNTS_BY_ID, on_driver
from .tables import accounts


CACHE = "notifier.accounts"  # session.info key: the accounts read in this transaction (None: unknown)


def remember(session: Session) -> None:
    """Keep the accounts read in this transaction, so a batch of events reads each of them once
    (``prefetch`` reads the whole batch's in one statement); ``upsert`` keeps it current."""
    session.info.setdefault(CACHE, {})


def prefetch(session: Session, ids) -> None:
    """Read every account of ``ids`` in one statement into the transaction's cache (see ``remember``)."""
    if CACHE in session.info:
        find(session, list(ids))


def keep(session: Session, ids, rows) -> None:
    """Put the accounts of ``ids`` read by another statement (``rows``) in the transaction's cache, as
    ``prefetch`` would have read them (an id without a row: unknown)."""
    cache = session.info.get(CACHE)
    if cache is not None:
        found = {row.id: _account(row) for row in rows}
        cache.update({i: found.get(i) for i in ids})


def _account(row) -> Account:
    return Account(id=row.id, email=row.email, display_name=row.display_name, language=row.language,
                   role=row.role, active=row.active)


def upsert(session: Session, account: Account, as_of: datetime) -> bool:
    """Insert or update ``account`` unless a newer event already wrote it; True if the row changed."""
    session.info.get(CACHE, {}).pop(account.id, None)
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
    cache = session.info.get(CACHE)
    wanted = [i for i in dict.fromkeys(ids) if cache is None or i not in cache]
    found = {}
    if wanted:
        if on_driver(session):
            rows = ACCOUNTS_BY_ID.run(session, {"ids": wanted})
        else:
            rows = session.execute(select(accounts).where(accounts.c.id.in_(wanted))).all()
        found = {row.id: _account(row) for row in rows}
        if cache is not None:
            cache.update({i: found.get(i) for i in wanted})
    if cache is None:
        return found
    return {i: cache[i] for i in ids if cache.get(i) is not None}


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
