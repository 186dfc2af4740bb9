"""A migrated SQLite tickets database with two desks and a request type each, for the list SQL tests.

The migrations' schema, triggers included: they keep the access keys and the search index the SQL reads.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from tickets.store import tables

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def migrated_engine(folder) -> Engine:
    from tickets.cli import migrate
    from tickets.settings import Settings

    url = f"sqlite:///{folder / 'tickets.db'}"
    migrate(Settings(database_url=url))
    engine = create_engine(url)
    with engine.begin() as conn:
        for desk in (1, 2):
            conn.execute(insert(tables.service_desks).values(id=desk, key=f"D{desk}", name="d", description="",
                                                             active=True, invite_unknown_participants=False,
                                                             restricted=False, last_ticket_number=0, created_at=NOW))
            conn.execute(insert(tables.request_types).values(id=desk, desk_id=desk, name="t", description="",
                                                             help_text="", issue_type="x", position=0))
    return engine
