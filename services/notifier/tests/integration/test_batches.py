"""Events already waiting are handled in batches (one transaction): each is still mailed once, and one
event that cannot be handled yet costs the others nothing."""
import dataclasses
import threading
import time
import uuid

from sqlalchemy import create_engine, text

from common.db import normalise_url
from notifier.worker import build_worker

from .conftest import Bus, wait_for
from .test_delivery import account_created, status_changed


def counted_batches(worker, monkeypatch) -> list[tuple[int, int]]:
    """(size, events handled) of every batch ``worker`` handles from now on."""
    batches = []
    handle_batch = worker._handle_batch

    def counting(batch):
        done = handle_batch(batch)
        batches.append((len(batch), done))
        return done

    monkeypatch.setattr(worker, "_handle_batch", counting)
    return batches


def test_a_backlog_is_mailed_once_per_event_in_batches_beside_an_event_that_must_wait(settings, mailbox,
                                                                                    monkeypatch):
    # Batches of 10 at most: the 35 events queued make several, one of them beside the failing event.
    worker = build_worker(dataclasses.replace(settings, prefetch=10))
    batches = counted_batches(worker, monkeypatch)
    bus = Bus(settings, worker)
    customers = [str(uuid.uuid4()) for _ in range(8)]
    agent = str(uuid.uuid4())
    stranger = str(uuid.uuid4())  # no account event: its status change must wait and be retried
    # Everything is queued before the worker starts, so it finds a backlog.
    for n, customer in enumerate(customers):
        bus.publish("identity", account_created(customer, f"batch-{n}@example.com"))
    bus.publish("identity", account_created(agent, "agent@example.com", role="agent"))
    changes = [status_changed(c, agent) for c in customers for _ in range(3)]
    for event in changes:
        bus.publish("tickets", event)
    bus.publish("tickets", changes[0])  # a redelivered copy of the first: mailed once all the same
    bus.publish("tickets", status_changed(stranger, agent))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: sum(len(mailbox.to(f"batch-{n}@example.com")) for n in range(8)) >= 24,
                 what="24 status emails")
        bus.publish("identity", account_created(stranger, "stranger@example.com"))
        wait_for(lambda: mailbox.to("stranger@example.com"), what="the status email that waited for its account")
    finally:
        worker.should_stop = True
        thread.join(timeout=10)
        bus.cleanup()
        worker.session_factory.kw["bind"].dispose()
    assert [len(mailbox.to(f"batch-{n}@example.com")) for n in range(8)] == [3] * 8
    assert len(mailbox.to("stranger@example.com")) == 1
    assert any(size > 1 and done for size, done in batches), batches
    engine = create_engine(normalise_url(settings.database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(DISTINCT event_id) FROM sent_mail")).one()
        statuses = conn.execute(text("SELECT DISTINCT status FROM sent_mail")).scalars().all()
    engine.dispose()
    assert tuple(rows) == (25, 25) and statuses == ["sent"]


def test_in_one_batch_a_reply_that_moves_the_status_is_one_email(settings, mailbox, monkeypatch):
    """The batch's emails are inserted together at its end; the status change still sees the reply's
    email queued earlier in the same batch, and so is folded into it."""
    from dataclasses import replace

    from .test_action_emails import ticket_event
    from .test_delivery import subject

    worker = build_worker(settings)
    batches = counted_batches(worker, monkeypatch)
    bus = Bus(settings, worker)
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    bus.publish("identity", account_created(customer, "reader@example.com"))
    bus.publish("identity", account_created(agent, "agent@example.com", role="agent", name="Agent Smith"))
    comment = ticket_event("ticket.commented", customers=[customer], actor=agent, commentId="9", public=True,
                           body="Please retry the upload.", reporterId=customer)
    status = status_changed(customer, agent)
    status.data["cause"] = "comment"
    later = status_changed(customer, agent)
    later.data.update(cause="transition", fromStatus="Waiting for customer", toStatus="Resolved")
    for event in (replace(comment, correlationid="req-42"), replace(status, correlationid="req-42"),
                  replace(later, correlationid="req-43")):
        bus.publish("tickets", event)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(mailbox.to("reader@example.com")) >= 2, what="the reply and the later status email")
        time.sleep(0.3)
    finally:
        worker.should_stop = True
        thread.join(timeout=10)
        bus.cleanup()
        worker.session_factory.kw["bind"].dispose()
    assert [subject(m) for m in mailbox.to("reader@example.com")] == [
        "[AM-1] New reply on your request: Fingerprints missing", "[AM-1] Your request is now Resolved"]
    assert any(size >= 3 and done for size, done in batches), batches


def test_events_arriving_within_the_batch_wait_are_handled_as_one_batch(settings, mailbox, monkeypatch):
    """At intake rates events come one by one; those arriving within ``batch_wait`` of the first share
    its transaction (one batch), and each is still mailed once."""
    worker = build_worker(dataclasses.replace(settings, batch_wait=1.0))
    batches = counted_batches(worker, monkeypatch)
    bus = Bus(settings, worker)
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    bus.publish("identity", account_created(customer, "spaced@example.com"))
    bus.publish("identity", account_created(agent, "agent@example.com", role="agent"))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: sum(done for done, _ in batches) >= 1 and sum(size for size, _ in batches) >= 2,
                 what="the accounts handled")
        time.sleep(1.5)  # the accounts' batch is over: the next event starts a batch of its own
        batches.clear()
        changes = [status_changed(customer, agent) for _ in range(3)]
        for event in changes:
            bus.publish("tickets", event)
            time.sleep(0.1)  # apart, as at intake: none waits in the socket when the one before arrives
        wait_for(lambda: len(mailbox.to("spaced@example.com")) >= 3, what="3 status emails")
    finally:
        worker.should_stop = True
        thread.join(timeout=10)
        bus.cleanup()
        worker.session_factory.kw["bind"].dispose()
    assert batches == [(3, True)]
    assert len(mailbox.to("spaced@example.com")) == 3
