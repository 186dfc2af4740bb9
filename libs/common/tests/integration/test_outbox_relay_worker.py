"""The outbox, relay, publisher, worker and inbox together, on PostgreSQL and RabbitMQ."""
import threading
import time
from urllib.parse import urlparse

import pytest
from kombu import Connection
from sqlalchemy import Column, Integer, String, Table, func, select

from common.bus.consumer import Worker
from common.bus.publisher import Publisher
from common.bus.topology import ConsumerTopology, Subscription, events_exchange
from common.db import make_engine, make_session_factory, new_metadata, transaction
from common.events import CloudEvent, event_type
from common.faultproxy import FaultProxy
from common.inbox import Inbox, inbox_table
from common.outbox import Outbox, Relay, outbox_table
from common.testing import wait_for


@pytest.fixture
def world(database_url, amqp_url, bus_prefix):
    metadata = new_metadata()
    outbox = outbox_table(metadata)
    inbox = inbox_table(metadata)
    notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(100)))
    engine = make_engine(database_url)
    metadata.create_all(engine)
    factory = make_session_factory(engine)
    exchange = events_exchange("demo", bus_prefix).name
    yield {"engine": engine, "factory": factory, "outbox": outbox, "inbox": inbox, "notes": notes,
           "exchange": exchange, "amqp_url": amqp_url, "prefix": bus_prefix}
    engine.dispose()


def start_worker(world, handler, delays=(0.2, 0.2)):
    topology = ConsumerTopology(
        consumer="sink", prefix=world["prefix"], retry_delays=delays,
        subscriptions=(Subscription("demo", ("thing.happened.v1",)),),
    )
    worker = Worker(world["amqp_url"], topology, {"thing.happened.v1": handler}, world["factory"],
                    Inbox(world["inbox"], "sink"))
    # Declare the queue before anything is published so no event goes to the unrouted queue.
    with Connection(world["amqp_url"]) as conn:
        topology.declare(conn.default_channel)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, thread, topology


def stop(worker, thread):
    worker.should_stop = True
    thread.join(timeout=10)


def write_events(world, texts):
    events = [CloudEvent(type=event_type("thing.happened"), source="/servicedesk/demo", data={"text": t})
              for t in texts]
    with transaction(world["factory"]) as session:
        Outbox(world["outbox"], world["exchange"]).add(session, events)
    return events


def count_notes(world):
    with world["engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(world["notes"])).scalar_one()


def insert_note(world):
    def handler(session, event):
        session.execute(world["notes"].insert().values(text=event.data["text"]))
    return handler


def test_events_written_with_the_state_reach_the_consumer_once(world):
    worker, thread, _ = start_worker(world, insert_note(world))
    try:
        write_events(world, ["a", "b", "c"])
        relay = Relay(world["engine"], world["outbox"], Publisher(world["amqp_url"]).publish)
        assert relay.run_once() == 3
        assert relay.pending() == 0
        assert wait_for(lambda: count_notes(world) == 3)
    finally:
        stop(worker, thread)


def test_a_redelivered_event_is_processed_once(world):
    worker, thread, _ = start_worker(world, insert_note(world))
    try:
        [event] = write_events(world, ["once"])
        publisher = Publisher(world["amqp_url"])
        for _ in range(3):
            publisher.publish(world["exchange"], event.routing_key, event.to_json(), event.id)
        assert wait_for(lambda: count_notes(world) >= 1)
        time.sleep(0.5)
        assert count_notes(world) == 1
    finally:
        stop(worker, thread)


def test_a_failing_handler_is_retried_then_dead_lettered(world):
    calls = []

    def flaky(session, event):
        calls.append(event.id)
        raise RuntimeError("downstream unavailable")

    worker, thread, topology = start_worker(world, flaky, delays=(0.2, 0.2))
    try:
        write_events(world, ["poison"])
        Relay(world["engine"], world["outbox"], Publisher(world["amqp_url"]).publish).run_once()
        assert wait_for(lambda: len(calls) == 3)  # first try + two retries
        with Connection(world["amqp_url"]) as conn:
            def dead_count():
                return conn.default_channel.queue_declare(topology.dead_letter_name, passive=True).message_count
            assert wait_for(lambda: dead_count() == 1)
    finally:
        stop(worker, thread)


def test_a_broker_outage_loses_nothing(world):
    worker, thread, _ = start_worker(world, insert_note(world))
    amqp = urlparse(world["amqp_url"])
    proxy = FaultProxy(amqp.hostname, amqp.port or 5672)
    proxied = world["amqp_url"].replace(f"{amqp.hostname}:{amqp.port or 5672}", f"127.0.0.1:{proxy.port}")
    relay = Relay(world["engine"], world["outbox"], Publisher(proxied, confirm_timeout=3).publish)
    stop_relay = threading.Event()
    relay_thread = threading.Thread(target=relay.run_forever, args=(stop_relay,), kwargs={"idle": 0.05,
                                                                                          "max_backoff": 0.5})
    try:
        relay_thread.start()
        write_events(world, ["before"])
        assert wait_for(lambda: count_notes(world) == 1)
        proxy.cut()
        write_events(world, ["during-1", "during-2"])
        time.sleep(1.5)
        assert relay.pending() == 2 and count_notes(world) == 1
        proxy.restore()
        assert wait_for(lambda: count_notes(world) == 3)
        assert relay.pending() == 0
        time.sleep(0.5)
        assert count_notes(world) == 3
    finally:
        stop_relay.set()
        relay_thread.join(timeout=10)
        proxy.close()
        stop(worker, thread)


def published(world):
    t = world["outbox"]
    with world["engine"].connect() as conn:
        return {r.event_id: r for r in conn.execute(select(t)).all()}


def test_a_failed_publish_keeps_the_marks_of_the_rows_the_broker_confirmed(world):
    events = write_events(world, ["a", "b", "c", "d"])
    sent = []

    def publish(exchange, routing_key, body, message_id):
        if message_id == events[2].id:
            raise RuntimeError("broker refused it")
        sent.append(message_id)

    relay = Relay(world["engine"], world["outbox"], publish, retry_base=60)
    assert relay.run_once() == 2
    rows = published(world)
    assert rows[events[0].id].published_at and rows[events[1].id].published_at
    failed = rows[events[2].id]
    assert failed.published_at is None and failed.attempts == 1 and "broker refused it" in failed.last_error
    # The failed row waits for its next try; the row behind it goes ahead at once.
    assert relay.run_once() == 1 and published(world)[events[3].id].published_at
    assert sent == [events[0].id, events[1].id, events[3].id]


def test_a_row_that_keeps_failing_is_parked_counted_and_replayed_by_command(world):
    [bad, good] = write_events(world, ["poison", "fine"])
    broken = {"on": True}

    def publish(exchange, routing_key, body, message_id):
        if message_id == bad.id and broken["on"]:
            raise RuntimeError("message too large")

    relay = Relay(world["engine"], world["outbox"], publish, max_attempts=3, retry_base=0.01)
    for _ in range(6):
        relay.run_once()
        time.sleep(0.03)
    rows = published(world)
    assert rows[good.id].published_at is not None
    assert rows[bad.id].parked_at is not None and rows[bad.id].attempts == 3
    assert relay.stats() == {"pending": 0, "retrying": 0, "parked": 1}

    from common import outbox_cli

    lines = []
    url = world["engine"].url.render_as_string(hide_password=False)
    assert outbox_cli.main("outbox", ["list"], lambda: url, world["outbox"], out=lines.append) == 0
    assert lines[0] == "pending 0 (retrying 0), parked 1" and "parked" in lines[1] and bad.id in lines[1]
    assert outbox_cli.main("outbox", ["show", str(rows[bad.id].id)], lambda: url, world["outbox"],
                           out=lines.append) == 0
    assert '"text": "poison"' in lines[-1]
    broken["on"] = False
    assert outbox_cli.main("outbox", ["replay", "--parked"], lambda: url, world["outbox"], out=lines.append) == 0
    assert relay.run_once() == 1
    assert relay.stats() == {"pending": 0, "retrying": 0, "parked": 0}


def test_two_relays_at_once_publish_each_event_once(world):
    exchange = world["exchange"]
    with Connection(world["amqp_url"]) as conn:
        channel = conn.channel()
        from common.bus.topology import declare_events_exchange
        from kombu import Queue

        declare_events_exchange(channel, exchange)
        queue = Queue(f"{world['prefix']}two-relays", exchange=events_exchange("demo", world["prefix"]),
                      routing_key="#", durable=False, auto_delete=False)(channel)
        queue.declare()
        try:
            events = write_events(world, [f"e{i}" for i in range(3000)])
            relays = [Relay(world["engine"], world["outbox"], Publisher(world["amqp_url"]).publish, batch_size=100)
                      for _ in range(2)]
            counts = [0, 0]

            def drain(i):
                while True:
                    n = relays[i].run_once()
                    counts[i] += n
                    if n == 0 and relays[i].pending() == 0:
                        return

            threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=120)
            assert counts[0] > 0 and counts[1] > 0, counts  # both relays did part of the work
            assert sum(counts) == len(events)
            seen = []
            while (message := queue.get(no_ack=True)) is not None:
                seen.append(message.properties["message_id"])
            assert len(seen) == len(events) and set(seen) == {e.id for e in events}
        finally:
            queue.delete()
            for relay in relays:
                relay.publish.__self__.close()


def test_two_pipelined_relays_publish_each_event_once_and_mark_every_row(world):
    """``run_forever`` on PostgreSQL claims the next batch while one is in flight: the claims of one
    relay and of two never overlap, and every confirmed row is marked."""
    from common.bus.topology import declare_events_exchange
    from kombu import Queue

    with Connection(world["amqp_url"]) as conn:
        channel = conn.channel()
        declare_events_exchange(channel, world["exchange"])
        queue = Queue(f"{world['prefix']}pipelined", exchange=events_exchange("demo", world["prefix"]),
                      routing_key="#", durable=False, auto_delete=False)(channel)
        queue.declare()
        publishers = [Publisher(world["amqp_url"]) for _ in range(2)]
        stop_relays = threading.Event()
        try:
            events = write_events(world, [f"e{i}" for i in range(3000)])
            relays = [Relay(world["engine"], world["outbox"], p.publish, batch_size=100) for p in publishers]
            threads = [threading.Thread(target=r.run_forever, args=(stop_relays,), kwargs={"idle": 0.05})
                       for r in relays]
            for th in threads:
                th.start()
            assert wait_for(lambda: relays[0].pending() == 0, timeout=60)
            stop_relays.set()
            for th in threads:
                th.join(timeout=30)
            rows = published(world)
            assert all(r.published_at is not None for r in rows.values())
            seen = []
            while (message := queue.get(no_ack=True)) is not None:
                seen.append(message.properties["message_id"])
            assert sorted(seen) == sorted(e.id for e in events)  # each exactly once
        finally:
            stop_relays.set()
            queue.delete()
            for p in publishers:
                p.close()


def test_a_pipelined_relay_records_a_failed_row_and_marks_the_others(world):
    events = write_events(world, [f"e{i}" for i in range(250)])
    bad = events[120].id
    sent = []

    def publish(exchange, routing_key, body, message_id):
        if message_id == bad:
            raise RuntimeError("broker refused it")
        sent.append(message_id)

    relay = Relay(world["engine"], world["outbox"], publish, batch_size=50, retry_base=60)
    stop_relay = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop_relay,), kwargs={"idle": 0.05})
    thread.start()
    try:
        assert wait_for(lambda: relay.stats() == {"pending": 1, "retrying": 1, "parked": 0}, timeout=30)
    finally:
        stop_relay.set()
        thread.join(timeout=30)
    rows = published(world)
    assert rows[bad].published_at is None and rows[bad].attempts == 1 and "refused" in rows[bad].last_error
    assert all(rows[e.id].published_at is not None for e in events if e.id != bad)
    # Batches go out in claim order up to the failure; the rows of the failed batch behind it go
    # again after the batch claimed ahead, each once.
    good = [e.id for e in events if e.id != bad]
    assert sent[:120] == good[:120] and sorted(sent) == sorted(good)


def _batch_recording_relay(world, **options):
    sent, batches = [], []
    relay = Relay(world["engine"], world["outbox"], lambda ex, rk, body, mid: sent.append(mid), **options)
    inner = relay.publish_batch

    def recording(messages):
        batches.append(len(messages))
        return inner(messages)

    relay.publish_batch = recording
    return relay, sent, batches


def test_a_caught_up_relay_lingers_so_a_trickle_goes_out_in_batches(world):
    relay, sent, batches = _batch_recording_relay(world, batch_size=100, linger=0.2)
    stop_relay = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop_relay,), kwargs={"idle": 0.05})
    thread.start()
    try:
        events, began = [], time.monotonic()
        for i in range(40):  # one event per commit, about 100 a second, as intake writes them
            events += write_events(world, [f"t{i}"])
            time.sleep(0.01)
        assert wait_for(lambda: len(sent) == 40, timeout=30)
        took = time.monotonic() - began
    finally:
        stop_relay.set()
        thread.join(timeout=30)
    assert sent == [e.id for e in events]
    # A claim every 0.2 s at most, one more for the first event; without the linger the relay
    # claims again as soon as a batch is out (13 batches here, bench/profiles/rl.md).
    assert len(batches) <= took / 0.2 + 2, (batches, took)


def test_a_backlog_is_drained_in_full_batches_without_lingering(world):
    events = write_events(world, [f"b{i}" for i in range(300)])
    relay, sent, batches = _batch_recording_relay(world, batch_size=50, linger=30)
    stop_relay = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop_relay,), kwargs={"idle": 0.05})
    thread.start()
    try:
        assert wait_for(lambda: len(sent) == 300, timeout=10)
    finally:
        stop_relay.set()
        thread.join(timeout=40)
    assert sent == [e.id for e in events] and batches[:6] == [50] * 6


def test_a_claim_walks_the_pending_index_in_id_order_whatever_the_statistics_say(world):
    """A backlog inserted faster than autovacuum analyses the table: the claim must still stop after one
    batch instead of reading every pending row by bitmap and sorting them (measured: 30,000 pending rows
    made each claim read 6,000 heap pages)."""
    from sqlalchemy import text

    engine, outbox = world["engine"], world["outbox"]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                          "SELECT md5(n::text), 'x', 'thing.happened.v1', repeat('b', 500), now(), 0 "
                          "FROM generate_series(1, 20000) n"))
    relay = Relay(engine, outbox, lambda *a: None, batch_size=500)
    claim = relay._open_claim()
    try:
        assert [r.id for r in claim.rows] == sorted(r.id for r in claim.rows) and len(claim.rows) == 500
        query = relay._claim_query(func.now()).compile(engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in claim.conn.execute(text(f"EXPLAIN {query}")))
        assert "Index Scan using ix_outbox_pending" in plan and "Bitmap" not in plan, plan
    finally:
        relay._finish(claim)
