"""A batch's emails go into the spool in one statement (up to 128 rows each) whose text is built once per
number of rows, with every column as queued and an email already queued left alone."""
from __future__ import annotations

from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session

from common.db import normalise_url
from notifier.store.sent_log import SentLog
from notifier.store.tables import sent_mail


def test_buffered_emails_are_inserted_by_one_statement_of_one_text_per_count(database_url):
    engine = create_engine(normalise_url(database_url))
    statements = []

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO sent_mail"):
            statements.append(statement)

    log = SentLog()
    try:
        for batch, count in (("ins-a", 3), ("ins-b", 7)):
            with Session(engine) as session, session.begin():
                log.buffer(session)
                for n in range(count):
                    assert log.queue(session, f"{batch}-{n}", f"Reader-{n}@Example.com", f"<{batch}-{n}@x>", "status",
                                     b"From: a@b.test\r\n\r\n\x00\xffbody", correlation_id=None if n % 2 else "c-1",
                                     ticket_key=None if n % 2 else "AM-1")
                assert log.flush(session) == count
        with Session(engine) as session, session.begin():
            log.buffer(session)
            log.queue(session, "ins-a-0", "reader-0@example.com", "<again>", "status", b"x")  # queued already
            log.queue(session, "ins-c-0", "reader-0@example.com", "<ins-c-0@x>", "status", b"y")
            assert log.flush(session) == 1
        with Session(engine) as session, session.begin():
            log.buffer(session)
            for n in range(130):
                log.queue(session, f"ins-d-{n}", "many@example.com", f"<ins-d-{n}@x>", "status", b"z")
            assert log.flush(session) == 130
        with engine.connect() as conn:
            rows = {(r.event_id, r.recipient): r for r in conn.execute(
                select(sent_mail).where(sent_mail.c.event_id.like("ins-%")))}
    finally:
        engine.dispose()
    assert len(statements) == 5 and len(set(statements)) == 4  # 3, 7, 2, then 128 + 2 rows
    assert statements[2] == statements[4] and statements[2].count("), (") == 1
    assert len(rows) == 141
    first, second = rows[("ins-a-0", "reader-0@example.com")], rows[("ins-a-1", "reader-1@example.com")]
    assert first.message == b"From: a@b.test\r\n\r\n\x00\xffbody" and first.message_id == "<ins-a-0@x>"
    assert (first.status, first.attempts, first.resent, first.kind) == ("queued", 0, 0, "status")
    assert first.correlation_id is not None and first.ticket_key == "AM-1"
    assert second.correlation_id is None and second.ticket_key is None
    assert first.created_at.tzinfo is not None and first.next_attempt_at == first.created_at
