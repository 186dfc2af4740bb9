"""On PostgreSQL the consumer's and the claimer's statements keep one text whatever the number of
events or rows (arrays, not IN lists; the spool's INSERT one text per number of emails), run on the driver, and do what the SQLAlchemy forms did: a
single event is one transaction of three statements, a redelivery is skipped, and a claim is one
statement that takes each due row once, oldest first, counting a resend."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.orm import Session

from common.db import normalise_url
from common.events import utc_now
from notifier.spool import Sender, SpoolPolicy
from notifier.store import accounts as account_store
from notifier.store.tables import accounts, inbox, sent_mail
from notifier.worker import build_worker

from .test_delivery import account_created, status_changed


class Delivery:
    """What the worker needs of a kombu message on the batch path."""

    def __init__(self):
        self.acked = 0

    def ack(self):
        self.acked += 1


def statements_of(engine) -> list[str]:
    seen = []

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn, cursor, statement, *args):
        seen.append(statement)

    return seen


def test_a_single_event_is_two_statements_of_constant_text_and_a_redelivery_is_skipped(settings):
    worker = build_worker(settings)
    engine = worker.session_factory.kw["bind"]
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        for created in (account_created(customer, "single@example.com"),
                        account_created(agent, "agent@example.com", role="agent")):
            assert worker._handle_batch([(created.to_dict(), Delivery())])
        seen = statements_of(engine)
        change = status_changed(customer, agent)
        first, again = Delivery(), Delivery()
        assert worker._handle_batch([(change.to_dict(), first)])
        assert first.acked == 1
        single = list(seen)
        seen.clear()
        assert worker._handle_batch([(change.to_dict(), again)])  # redelivered: acked, nothing queued
        assert again.acked == 1
        redelivered = list(seen)
        seen.clear()
        other = status_changed(customer, agent)
        assert worker._handle_batch([(other.to_dict(), Delivery()), (status_changed(customer, agent).to_dict(),
                                                                        Delivery())])
        pair = list(seen)
        with engine.connect() as conn:
            queued = conn.execute(select(sent_mail.c.event_id, sent_mail.c.recipient)).all()
            recorded = conn.execute(select(inbox.c.event_id, inbox.c.event_type).where(
                inbox.c.event_id == change.id)).all()
    finally:
        engine.dispose()
    work = [s for s in single if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(work) == 2, work
    assert [s.split()[0] for s in work] == ["WITH", "INSERT"]  # inbox claim with the accounts, then the spool
    assert not any(" IN (" in s for s in work)
    # The claim's text is the same for two events as for one; the spool's INSERT has one text per
    # number of emails (scalar parameters: see store.sent_log._values_insert).
    assert set(s for s in pair if s in work) == set(work[:1]) and len(pair) == len(single)
    # Redelivered: the inbox's one statement finds it, and nothing else is run.
    assert [s.split()[0] for s in redelivered if not s.startswith(("BEGIN", "COMMIT"))] == ["WITH"]
    assert sorted(r.recipient for r in queued if r.event_id == change.id) == ["single@example.com"]
    assert recorded == [(change.id, change.type)]


def test_account_lookups_on_the_driver_return_the_replica_rows(database_url):
    engine = create_engine(normalise_url(database_url))
    ids = [str(uuid.uuid4()) for _ in range(3)]
    try:
        with engine.begin() as conn:
            conn.execute(insert(accounts), [
                {"id": ids[0], "email": "a@example.com", "display_name": "Ä b", "language": "de", "role": "customer",
                 "active": True, "updated_at": utc_now()},
                {"id": ids[1], "email": "b@example.com", "display_name": None, "language": "en", "role": "agent",
                 "active": False, "updated_at": utc_now()}])
        with Session(engine) as session, session.begin():
            found = account_store.find(session, [ids[2], ids[1], ids[0], ids[1]])
    finally:
        engine.dispose()
    assert set(found) == {ids[0], ids[1]}
    assert (found[ids[0]].email, found[ids[0]].display_name, found[ids[0]].language, found[ids[0]].active) == \
        ("a@example.com", "Ä b", "de", True)
    assert (found[ids[1]].role, found[ids[1]].display_name, found[ids[1]].active) == ("agent", None, False)


def spool_row(event_id, recipient, status="queued", due=None, sending_since=None, attempts=0):
    now = utc_now()
    return {"event_id": event_id, "recipient": recipient, "message_id": f"<{event_id}@x>", "kind": "status",
            "status": status, "message": b"m-" + event_id.encode(), "created_at": now,
            "next_attempt_at": due or now, "sending_since": sending_since, "attempts": attempts, "resent": 0}


def test_a_claim_is_one_statement_taking_due_rows_oldest_first_and_counting_a_resend(database_url):
    engine = create_engine(normalise_url(database_url))
    now = utc_now()
    policy = SpoolPolicy()
    rows = [
        spool_row("c-late", "r@example.com", due=now - timedelta(seconds=1)),
        spool_row("c-early", "r@example.com", due=now - timedelta(seconds=5)),
        spool_row("c-future", "r@example.com", due=now + timedelta(hours=1)),
        spool_row("c-stale", "s@example.com", status="sending", due=now - timedelta(seconds=3),
                  sending_since=now - timedelta(seconds=policy.lease + 60), attempts=1),
        spool_row("c-busy", "s@example.com", status="sending", due=now - timedelta(seconds=4),
                  sending_since=now, attempts=1),
        spool_row("c-sent", "s@example.com", status="sent", due=now - timedelta(seconds=9)),
    ]
    try:
        with engine.begin() as conn:
            conn.execute(insert(sent_mail), rows)
        sender = Sender(engine, None, policy)
        seen = statements_of(engine)
        claimed = sender._claim()
        work = [s for s in seen if not s.startswith(("BEGIN", "COMMIT"))]
        again = sender._claim()
        with engine.connect() as conn:
            after = {r.event_id: r for r in conn.execute(select(sent_mail))}
    finally:
        engine.dispose()
    assert len(work) == 1 and work[0].startswith("WITH due AS"), work
    assert [r.event_id for r in claimed] == ["c-early", "c-stale", "c-late"]
    # As they were before the claim: what the sender logs and counts from.
    assert [(r.status, r.attempts) for r in claimed] == [("queued", 0), ("sending", 1), ("queued", 0)]
    assert claimed[0].message == b"m-c-early" and claimed[0].message_id == "<c-early@x>"
    assert claimed[0].recipient == "r@example.com" and claimed[0].created_at.tzinfo is not None
    assert again == []
    for key in ("c-early", "c-late"):
        assert (after[key].status, after[key].attempts, after[key].resent) == ("sending", 1, 0)
        assert after[key].sending_since is not None
    assert (after["c-stale"].status, after["c-stale"].attempts, after["c-stale"].resent) == ("sending", 2, 1)
    assert (after["c-future"].status, after["c-busy"].attempts, after["c-sent"].status) == ("queued", 1, "sent")


def test_two_claimers_at_once_take_every_due_row_once(database_url):
    engine = create_engine(normalise_url(database_url), pool_size=4)
    try:
        with engine.begin() as conn:
            conn.execute(insert(sent_mail), [spool_row(f"d-{n}", f"p{n % 7}@example.com") for n in range(120)])
        taken: list[list[str]] = [[], []]

        def claim(n: int) -> None:
            sender = Sender(engine, None, SpoolPolicy(batch=7))
            while True:
                got = sender._claim()
                if not got:
                    return
                taken[n].extend(r.event_id for r in got)

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM sent_mail WHERE status = 'queued'")).scalar()
    finally:
        engine.dispose()
    assert left == 0
    assert sorted(taken[0] + taken[1]) == sorted(f"d-{n}" for n in range(120))
    assert not set(taken[0]) & set(taken[1])


def test_an_event_another_transaction_is_handling_waits_for_it_and_is_then_skipped(settings):
    from notifier.store.prepared import INBOX_CLAIM_WITH_ACCOUNTS

    worker = build_worker(settings)
    engine = worker.session_factory.kw["bind"]
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        for created in (account_created(customer, "racing@example.com"),
                        account_created(agent, "agent@example.com", role="agent")):
            assert worker._handle_batch([(created.to_dict(), Delivery())])
        change = status_changed(customer, agent)
        outcome: list[bool] = []
        with Session(engine) as other, other.begin():
            # Another consumer's transaction holds the event's inbox row.
            assert INBOX_CLAIM_WITH_ACCOUNTS.run(other, {
                "consumer": "notifier", "ids": [change.id], "types": [change.type], "at": utc_now(),
                "named_events": [], "named_accounts": []})
            thread = threading.Thread(target=lambda: outcome.append(
                worker._handle_batch([(change.to_dict(), Delivery())])))
            thread.start()
            thread.join(timeout=0.5)
            assert thread.is_alive()  # waiting on the row, not mailing
        thread.join(timeout=10)
        with engine.connect() as conn:
            queued = conn.execute(select(sent_mail.c.event_id).where(sent_mail.c.event_id == change.id)).all()
    finally:
        engine.dispose()
    assert outcome == [True] and queued == []  # the other committed: skipped as processed
