"""The SMTP sessions of one process share one claim and split it by recipient: each recipient's emails
go to one session, so they leave in the order they were queued, and every email is sent exactly once."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, select

from common.db import normalise_url
from common.events import utc_now
from common.testing import postgres_server_url, throwaway_database
from notifier.cli import migrate
from notifier.senders import SenderPool
from notifier.settings import Settings
from notifier.spool import Sender, SpoolPolicy
from notifier.store.tables import sent_mail

RECIPIENTS = [f"reader-{n}@example.com" for n in range(24)]


@pytest.fixture()
def engine():
    # A spool of its own: a claim takes every due row, whoever queued it.
    with throwaway_database(postgres_server_url(), "notifier") as url:
        migrate(Settings(database_url=url))
        engine = create_engine(normalise_url(url))
        try:
            yield engine
        finally:
            engine.dispose()


def queue(engine, events: int) -> None:
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(sent_mail.insert(), [
            {"event_id": f"event-{e:03d}", "recipient": r, "message_id": f"<event-{e:03d}.{r}>", "kind": "status",
             "status": "queued", "message": b"From: a@b.test\r\n\r\nx", "created_at": now,
             "next_attempt_at": now - timedelta(seconds=600 - e)}
            for e in range(events) for r in RECIPIENTS])


class Recording:
    """A channel that notes what each session sent, in order, and takes a little time per email."""

    def __init__(self, sent: list, lock: threading.Lock):
        self.sent, self.lock = sent, lock

    def send_bytes(self, data, sender, recipients, message_id=None):
        time.sleep(0.0005)
        with self.lock:
            self.sent.append((id(self), recipients[0], message_id))


def test_one_claim_queues_each_recipient_on_one_session_of_four(engine):
    queue(engine, 3)
    pool = SenderPool([Sender(engine, channel=None, spool_policy=SpoolPolicy(batch=100)) for _ in range(4)])
    assert pool.claim_once() == 3 * len(RECIPIENTS)
    queued = [[(row.recipient, row.event_id) for row in lane] for lane in pool._queues]
    owners = {r: [n for n, rows in enumerate(queued) if any(rr == r for rr, _ in rows)] for r in RECIPIENTS}
    assert all(len(found) == 1 for found in owners.values()), owners
    assert sorted(pair for rows in queued for pair in rows) == sorted(
        (r, f"event-{e:03d}") for e in range(3) for r in RECIPIENTS)
    assert sum(1 for rows in queued if rows) > 1  # the recipients are spread, not all on one session
    for rows in queued:  # within a session, a recipient's emails in the order queued
        for r in RECIPIENTS:
            events = [e for rr, e in rows if rr == r]
            assert events == sorted(events)
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sending"}


def test_four_sessions_send_every_email_once_in_each_recipients_order(engine):
    queue(engine, 10)  # 240 emails: several claims of 50
    sent, lock = [], threading.Lock()
    senders = [Sender(engine, Recording(sent, lock)) for _ in range(4)]
    pool = SenderPool(senders, idle=0.05)
    stop = threading.Event()
    threads = pool.start(stop)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sent"}:
                    break
            time.sleep(0.05)
    finally:
        stop.set()
        pool.stopping()
        for thread in threads:
            thread.join(timeout=10)
    assert sorted((r, m) for _s, r, m in sent) == sorted(
        (r, f"<event-{e:03d}.{r}>") for e in range(10) for r in RECIPIENTS)
    for r in RECIPIENTS:
        mine = [(s, m) for s, rr, m in sent if rr == r]
        assert len({s for s, _m in mine}) == 1  # one session
        assert [m for _s, m in mine] == sorted(m for _s, m in mine)  # in the order queued
    assert len({s for s, _r, _m in sent}) > 1
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sent"}


def test_an_idle_pool_polls_with_one_claim_not_one_per_session(engine):
    claims = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        if "FOR UPDATE SKIP LOCKED" in statement:
            claims.append(statement)

    pool = SenderPool([Sender(engine, channel=None) for _ in range(4)], idle=0.1)
    stop = threading.Event()
    threads = pool.start(stop)
    time.sleep(1.0)
    stop.set()
    pool.stopping()
    for thread in threads:
        thread.join(timeout=10)
    assert 3 <= len(claims) <= 14  # about one per idle period; four sessions polling would make ~40


def test_a_stop_gives_back_the_emails_claimed_and_not_tried(engine):
    queue(engine, 2)
    pool = SenderPool([Sender(engine, channel=None, spool_policy=SpoolPolicy(batch=100)) for _ in range(2)])
    pool.claim_once()
    stop = threading.Event()
    stop.set()
    for thread in pool.start(stop):
        thread.join(timeout=10)
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"queued"}


def _run_pool(pool, engine, sent, expected: int):
    """Start ``pool`` and wait until its channels sent ``expected`` emails; the stop event and threads."""
    stop = threading.Event()
    threads = pool.start(stop)
    pool.wake()
    deadline = time.monotonic() + 30
    while len(sent) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(sent) == expected
    return stop, threads


def test_the_sessions_outcomes_are_committed_together_by_one_statement(engine):
    """Four sessions' outcomes wait for ``record_every`` and go in one UPDATE, not one transaction each."""
    marks = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        if statement.startswith("UPDATE sent_mail AS t SET status = 'sent'"):
            marks.append(statement)

    queue(engine, 1)
    sent, lock = [], threading.Lock()
    pool = SenderPool([Sender(engine, Recording(sent, lock), SpoolPolicy(batch=100, record_every=3600))
                       for _ in range(4)])
    stop, threads = _run_pool(pool, engine, sent, len(RECIPIENTS))
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sending"}  # not yet recorded
    assert len({s for s, _r, _m in sent}) > 1
    stop.set()
    pool.stopping()
    for thread in threads:
        thread.join(timeout=10)
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sent"}
    assert 1 <= len(marks) <= 4  # the last session out records what the others handed over


def test_a_batch_of_outcomes_is_recorded_without_waiting_for_record_every(engine):
    queue(engine, 1)
    sent, lock = [], threading.Lock()
    pool = SenderPool([Sender(engine, Recording(sent, lock), SpoolPolicy(batch=6, record_every=3600))
                       for _ in range(2)])
    stop, threads = _run_pool(pool, engine, sent, len(RECIPIENTS))
    try:
        deadline = time.monotonic() + 30
        while len(_sent_rows(engine)) < len(RECIPIENTS) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(_sent_rows(engine)) == len(RECIPIENTS)  # four batches of six, each recorded when full
    finally:
        stop.set()
        pool.stopping()
        for thread in threads:
            thread.join(timeout=10)


def _sent_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(sent_mail.c.recipient).where(sent_mail.c.status == "sent")).all()


def test_a_crash_between_send_and_record_sends_those_emails_again_counted_as_resent(engine):
    """As before the outcomes were batched: rows sent and not recorded stay "sending"; after the lease
    another sender takes them again, once each, and counts them in ``resent``; none is lost."""
    queue(engine, 1)
    sent, lock = [], threading.Lock()
    pool = SenderPool([Sender(engine, Recording(sent, lock), SpoolPolicy(batch=100, record_every=3600))
                       for _ in range(2)])
    stop, threads = _run_pool(pool, engine, sent, len(RECIPIENTS))
    # The process dies here: its outcomes never reach the database (the pool is never stopped).
    pool.record_now = lambda: None
    pool._outcomes = []
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sending"}
    again, lock2 = [], threading.Lock()
    survivor = Sender(engine, Recording(again, lock2), SpoolPolicy(batch=100, lease=0.0))
    assert survivor.run_once() == len(RECIPIENTS)
    assert sorted(r for _s, r, _m in again) == sorted(RECIPIENTS)  # each once more, none lost
    with engine.connect() as conn:
        assert set(conn.execute(select(sent_mail.c.status)).scalars()) == {"sent"}
        assert set(conn.execute(select(sent_mail.c.resent)).scalars()) == {1}
    stop.set()
    pool.stopping()
    for thread in threads:
        thread.join(timeout=10)
