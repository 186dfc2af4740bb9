"""The one-process mode: SQLite outbox, in-memory kombu transport, same relay and worker code."""
import threading
import time
import uuid

from sqlalchemy import Column, Integer, String, Table, func, select

from common.bus.consumer import Worker
from common.bus.publisher import Publisher
from common.bus.topology import ConsumerTopology, Subscription, events_exchange
from common.db import make_engine, make_session_factory, new_metadata, transaction
from common.events import CloudEvent, event_type
from common.inbox import Inbox, inbox_table
from common.outbox import Outbox, Relay, outbox_table


def test_events_flow_through_the_memory_transport(tmp_path):
    metadata = new_metadata()
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(50)))
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    metadata.create_all(engine)
    factory = make_session_factory(engine)
    prefix = f"m{uuid.uuid4().hex[:6]}."
    topology = ConsumerTopology("sink", (Subscription("demo", ("thing.happened.v1",)),), prefix=prefix)

    def handler(session, event):
        session.execute(notes.insert().values(text=event.data["text"]))

    worker = Worker("memory://", topology, {"thing.happened.v1": handler}, factory, Inbox(inbox, "sink"))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # let the worker declare its queue
        with transaction(factory) as session:
            Outbox(outbox, events_exchange("demo", prefix).name).add(
                session, [CloudEvent(type=event_type("thing.happened"), source="/t", data={"text": "x"})])
        assert Relay(engine, outbox, Publisher("memory://").publish).run_once() == 1
        deadline = time.monotonic() + 5
        count = 0
        while time.monotonic() < deadline and count == 0:
            with engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(notes)).scalar_one()
            time.sleep(0.05)
        assert count == 1
    finally:
        worker.should_stop = True
        thread.join(timeout=5)
