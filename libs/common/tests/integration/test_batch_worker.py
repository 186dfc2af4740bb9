"""BatchWorker on PostgreSQL and RabbitMQ: deliveries handled together, each acked after the commit."""
import threading

from kombu import Connection, Producer
from sqlalchemy import Column, Integer, String, Table, func, select
from sqlalchemy.exc import OperationalError

from common.bus.batch import BatchWorker
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory, new_metadata
from common.events import CONTENT_TYPE, CloudEvent, event_type
from common.inbox import Inbox, inbox_table
from common.testing import wait_for

import pytest


@pytest.fixture
def world(database_url, amqp_url, bus_prefix):
    metadata = new_metadata()
    inbox = inbox_table(metadata)
    notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(100)))
    engine = make_engine(database_url)
    metadata.create_all(engine)
    topology = ConsumerTopology(consumer="sink", prefix=bus_prefix, retry_delays=(0.2,),
                                subscriptions=(Subscription("demo", ("thing.happened.v1",)),))
    with Connection(amqp_url) as conn:
        topology.declare(conn.default_channel)
    yield {"engine": engine, "factory": make_session_factory(engine), "inbox": inbox, "notes": notes,
           "topology": topology, "amqp_url": amqp_url}
    with Connection(amqp_url) as conn:
        channel = conn.channel()
        for name in (topology.queue_name, topology.dead_letter_name, topology.retry_name(1)):
            channel.queue_delete(name)
    engine.dispose()


def event(text: str) -> CloudEvent:
    return CloudEvent(type=event_type("thing.happened"), source="/servicedesk/demo", data={"text": text})


def publish(world, events, raw=()):
    """Every event (and raw body) straight to the worker's queue, before the worker starts."""
    with Connection(world["amqp_url"]) as conn:
        producer = Producer(conn.channel())
        for e in events:
            producer.publish(e.to_json(), exchange="", routing_key=world["topology"].queue_name,
                             content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2, message_id=e.id)
        for body in raw:
            producer.publish(body, exchange="", routing_key=world["topology"].queue_name,
                             content_type="application/json", content_encoding="binary", delivery_mode=2)


def run(world, handler, **kwargs):
    worker = BatchWorker(world["amqp_url"], world["topology"], {"thing.happened.v1": handler}, world["factory"],
                         Inbox(world["inbox"], "sink"), **kwargs)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, thread


def stop(worker, thread):
    worker.should_stop = True
    thread.join(timeout=10)


def notes(world):
    with world["engine"].connect() as conn:
        return sorted(conn.execute(select(world["notes"].c.text)).scalars())


def depth(world, name):
    with Connection(world["amqp_url"]) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count


def counting(world, transactions):
    def handler(session, e):
        transactions.add(id(session))
        if e.data["text"] == "poison":
            raise RuntimeError("cannot handle this one")
        session.execute(world["notes"].insert().values(text=e.data["text"]))
    return handler


def test_waiting_deliveries_share_a_transaction_and_a_redelivery_is_handled_once(world):
    events = [event(f"n{i}") for i in range(30)]
    publish(world, events + events[:5])  # five delivered twice
    sessions = set()
    worker, thread = run(world, counting(world, sessions), batch_size=50, linger=0.5)
    try:
        assert wait_for(lambda: len(notes(world)) == 30)
        assert wait_for(lambda: depth(world, world["topology"].queue_name) == 0)
        assert len(sessions) < 10  # not a transaction per event
        with world["engine"].connect() as conn:
            assert conn.execute(select(func.count()).select_from(world["inbox"])).scalar_one() == 30
    finally:
        stop(worker, thread)
    assert notes(world) == sorted(f"n{i}" for i in range(30))


def test_a_poison_event_is_dead_lettered_alone_and_the_rest_of_its_batch_commits(world):
    events = [event("a"), event("poison"), event("b")]
    publish(world, events, raw=[b"not json at all"])
    worker, thread = run(world, counting(world, set()), batch_size=10, linger=0.5)
    try:
        assert wait_for(lambda: notes(world) == ["a", "b"])
        assert wait_for(lambda: depth(world, world["topology"].dead_letter_name) == 2)  # the retry spent, and the bad body
        assert depth(world, world["topology"].queue_name) == 0
    finally:
        stop(worker, thread)


def test_a_database_outage_requeues_the_batch_without_counting_an_attempt(world):
    down = {"left": 3}

    def handler(session, e):
        if down["left"]:
            down["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        session.execute(world["notes"].insert().values(text=e.data["text"]))

    publish(world, [event("x"), event("y")])
    worker, thread = run(world, handler, batch_size=10, linger=0.2, outage_pause=0.1)
    try:
        assert wait_for(lambda: notes(world) == ["x", "y"])
        assert depth(world, world["topology"].dead_letter_name) == 0
    finally:
        stop(worker, thread)
