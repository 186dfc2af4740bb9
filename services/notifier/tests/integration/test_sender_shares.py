"""Several senders in one process split the spool by recipient: each recipient's emails are claimed by
one sender, so they leave in the order they were queued, and every email is claimed by exactly one."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine

from common.db import normalise_url
from common.events import utc_now
from notifier.spool import Sender
from notifier.store.tables import sent_mail


def test_each_recipient_is_claimed_by_one_sender_of_four(database_url):
    engine = create_engine(normalise_url(database_url))
    now = utc_now()
    recipients = [f"reader-{n}@example.com" for n in range(24)]
    with engine.begin() as conn:
        conn.execute(sent_mail.insert(), [
            {"event_id": f"event-{e}", "recipient": r, "message_id": f"<{e}.{r}>", "kind": "status",
             "status": "queued", "message": b"From: a@b.test\r\n\r\nx", "created_at": now,
             "next_attempt_at": now - timedelta(seconds=60 - e)}
            for e in range(3) for r in recipients])
    try:
        senders = [Sender(engine, channel=None, share=(n, 4)) for n in range(4)]
        claimed = [[(row.recipient, row.event_id) for row in sender._claim()] for sender in senders]
    finally:
        engine.dispose()
    owners = {r: [n for n, rows in enumerate(claimed) if any(rr == r for rr, _ in rows)] for r in recipients}
    assert all(len(found) == 1 for found in owners.values()), owners
    assert sorted(pair for rows in claimed for pair in rows) == sorted(
        (r, f"event-{e}") for e in range(3) for r in recipients)
    assert sum(1 for rows in claimed if rows) > 1  # the recipients are spread, not all on one sender
    for rows in claimed:  # within a sender, a recipient's emails in the order queued
        for r in recipients:
            events = [e for rr, e in rows if rr == r]
            assert events == sorted(events)
