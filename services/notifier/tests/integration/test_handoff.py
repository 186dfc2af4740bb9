"""A committed batch's emails go to the process's senders from memory when they have room: inserted
already claimed ("sending", as a claim leaves them), with no claim of their own. Behind emails this
process queued for a claim they are queued too, so a person's emails keep their queued order; a crash
before they are sent leaves them to the lease, as a claimed row."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from common.db import normalise_url
from notifier.spool import Sender, SpoolPolicy
from notifier.store.tables import sent_mail
from notifier.worker import build_worker

from .test_constant_statements import Delivery, statements_of
from .test_delivery import account_created, status_changed


def _worker_with_accounts(settings):
    worker = build_worker(settings)
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    for created in (account_created(customer, "handed@example.com"),
                    account_created(agent, "agent@example.com", role="agent")):
        assert worker._handle_batch([(created.to_dict(), Delivery())])
    return worker, customer, agent


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(sent_mail.c.event_id, sent_mail.c.status, sent_mail.c.attempts,
                                   sent_mail.c.sending_since, sent_mail.c.resent)).all()


def test_with_room_and_no_backlog_the_emails_are_handed_over_claimed_without_a_claim(settings, mailbox):
    worker, customer, agent = _worker_with_accounts(settings)
    engine = worker.session_factory.kw["bind"]
    pool = worker.pool
    try:
        assert pool.claim_once() == 0  # at start: nothing this process queued is left unclaimed
        seen = statements_of(engine)
        change = status_changed(customer, agent)
        assert worker._handle_batch([(change.to_dict(), Delivery())])
        assert not any("FOR UPDATE SKIP LOCKED" in s for s in seen)
        [row] = _rows(engine)
        assert (row.status, row.attempts, row.resent) == ("sending", 1, 0) and row.sending_since is not None
        [lane] = [n for n, q in enumerate(pool._queues) if q]
        [handed] = list(pool._queues[lane])
        # What a claim would have returned: the columns as they were before it.
        assert (handed.event_id, handed.recipient, handed.status, handed.attempts) == \
            (change.id, "handed@example.com", "queued", 0)
        assert pool._in_hand == 1
        pool.senders[0].record([pool.senders[lane].send_one(handed)])
        assert [m["Message-ID"] for m in mailbox.to("handed@example.com")] == [handed.message_id]
        assert [r.status for r in _rows(engine)] == ["sent"]
    finally:
        engine.dispose()


def test_behind_emails_queued_for_a_claim_new_ones_are_queued_too_and_leave_in_order(settings, mailbox):
    worker, customer, agent = _worker_with_accounts(settings)
    engine = worker.session_factory.kw["bind"]
    pool = worker.pool
    try:
        first, second = status_changed(customer, agent), status_changed(customer, agent)
        assert worker._handle_batch([(first.to_dict(), Delivery())])  # before the first claim: queued
        assert worker._handle_batch([(second.to_dict(), Delivery())])  # behind it: queued as well
        assert {r.status for r in _rows(engine)} == {"queued"} and not any(pool._queues)
        assert pool.claim_once() == 2
        [lane] = [q for q in pool._queues if q]
        assert [r.event_id for r in lane] == [first.id, second.id]
        third = status_changed(customer, agent)
        assert worker._handle_batch([(third.to_dict(), Delivery())])  # now handed, after the others
        assert [r.event_id for r in lane] == [first.id, second.id, third.id]
    finally:
        engine.dispose()


def test_no_room_queues_the_emails_for_a_claim(settings):
    worker, customer, agent = _worker_with_accounts(settings)
    engine = worker.session_factory.kw["bind"]
    pool = worker.pool
    try:
        assert pool.claim_once() == 0
        pool._in_hand = pool.batch  # a batch in hand already
        assert worker._handle_batch([(status_changed(customer, agent).to_dict(), Delivery())])
        assert [r.status for r in _rows(engine)] == ["queued"] and not any(pool._queues)
        assert pool._in_hand == pool.batch and pool._backlog
    finally:
        engine.dispose()


def test_a_failed_transaction_gives_the_room_back_and_hands_nothing(settings, monkeypatch):
    worker, customer, agent = _worker_with_accounts(settings)
    engine = worker.session_factory.kw["bind"]
    pool = worker.pool
    try:
        assert pool.claim_once() == 0

        def fail(session, rows):
            raise RuntimeError("the insert failed")

        monkeypatch.setattr(worker.sent_log, "_insert_rows", fail)
        assert not worker._handle_batch([(status_changed(customer, agent).to_dict(), Delivery())])
        assert pool._in_hand == 0 and not any(pool._queues) and _rows(engine) == []
    finally:
        engine.dispose()


def test_a_crash_before_a_handed_email_is_sent_leaves_it_to_the_lease(settings, mailbox):
    worker, customer, agent = _worker_with_accounts(settings)
    engine = worker.session_factory.kw["bind"]
    try:
        assert worker.pool.claim_once() == 0
        change = status_changed(customer, agent)
        assert worker._handle_batch([(change.to_dict(), Delivery())])
        # The process dies here, its handed row in memory only. Another process's sender, once the
        # lease has passed, takes it again and counts it as a resend.
        from sqlalchemy import create_engine

        other = create_engine(normalise_url(settings.database_url))
        survivor = Sender(other, worker.senders[0].channel, SpoolPolicy(lease=0.0))
        assert survivor.run_once() == 1
        other.dispose()
        assert len(mailbox.to("handed@example.com")) == 1
        [row] = _rows(engine)
        assert (row.status, row.resent) == ("sent", 1)
    finally:
        engine.dispose()
