"""The consumer's per-batch statements on PostgreSQL, with text that does not vary with the batch.

An ``IN`` list is rendered again for every length (SQLAlchemy's expanding parameters, then psycopg's
conversion of a new text), and that was most of a small batch's CPU at intake rates
(bench/profiles/notifier2.md, notifier3.md). Each statement here takes one array per column, so its
text is the same for one event or fifty: it is compiled once, converted once by the driver, and
prepared by PostgreSQL after a few runs. They run on the driver (``common.db.Prepared``).
"""
from __future__ import annotations

from sqlalchemy import text

from common.db import Prepared

INBOX_SEEN = Prepared(text(
    "SELECT event_id FROM inbox WHERE consumer = :consumer AND event_id = ANY(CAST(:ids AS varchar[]))"),
    returns_rows=True)

INBOX_RECORD = Prepared(text(
    "INSERT INTO inbox (consumer, event_id, event_type, processed_at) "
    "SELECT :consumer, e.id, e.type, e.at FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[]), "
    "CAST(:ats AS timestamptz[])) AS e(id, type, at)"), returns_rows=False)

ACCOUNTS_BY_ID = Prepared(text(
    "SELECT id, email, display_name, language, role, active FROM accounts "
    "WHERE id = ANY(CAST(:ids AS varchar[]))"), returns_rows=True)


def on_driver(session) -> bool:
    """True when the session's database is PostgreSQL through psycopg (where these statements run)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg"
