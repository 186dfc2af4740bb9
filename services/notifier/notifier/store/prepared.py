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

# The batch's inbox rows written first, in one statement: those it inserts are the events to handle,
# the others were processed already. A second consumer handling the same event waits on the row until
# this transaction ends (then skips it, or handles it after a rollback). Ids go in sorted, so two
# batches lock their rows in the same order. The same statement reads the accounts the claimed events
# name (one ``named_events``/``named_accounts`` pair per name): one round trip where the claim and the
# accounts took two, and no account read for an event already processed. Each row is either an
# ``event_id`` claimed or an account.
INBOX_CLAIM_WITH_ACCOUNTS = Prepared(text(
    "WITH claimed AS (INSERT INTO inbox (consumer, event_id, event_type, processed_at) "
    "SELECT :consumer, e.id, e.type, :at FROM unnest(CAST(:ids AS varchar[]), CAST(:types AS varchar[])) "
    "AS e(id, type) ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id) "
    "SELECT event_id, NULL AS id, NULL AS email, NULL AS display_name, NULL AS language, NULL AS role, "
    "NULL AS active FROM claimed "
    "UNION ALL SELECT NULL, a.id, a.email, a.display_name, a.language, a.role, a.active FROM accounts AS a "
    "JOIN (SELECT DISTINCT n.account FROM unnest(CAST(:named_events AS varchar[]), "
    "CAST(:named_accounts AS varchar[])) AS n(event, account) JOIN claimed AS c ON c.event_id = n.event) AS w "
    "ON w.account = a.id"),
    returns_rows=True)

ACCOUNTS_BY_ID = Prepared(text(
    "SELECT id, email, display_name, language, role, active FROM accounts "
    "WHERE id = ANY(CAST(:ids AS varchar[]))"), returns_rows=True)


def on_driver(session) -> bool:
    """True when the session's database is PostgreSQL through psycopg (where these statements run)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg"
