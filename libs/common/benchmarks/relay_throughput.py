"""Outbox relay throughput with batched confirms, against a reference loop measured in the same run.

``python libs/common/benchmarks/relay_throughput.py [N]`` writes N events (5,000 by default) into a
throwaway outbox on ``TEST_DATABASE_URL`` and publishes them to ``TEST_AMQP_URL`` three ways:

- ``relay``: ``common.outbox.Relay`` with ``Publisher.publish_batch`` (claim, publish the batch, one
  wait for the confirms, mark the batch in its own commit);
- ``relay, pipelined``: ``Relay.run_forever`` (``run_pipelined`` on PostgreSQL: the next batch
  claimed and the last one marked while one is published), timed from its start to an empty outbox;
- ``relay, one confirm per event``: the same relay waiting for each confirm (the previous design);
- ``reference``: a bare kombu loop publishing the same bodies with a confirm per message and no database.

Prints events/s for each and the ratios.
"""
from __future__ import annotations

import os
import sys
import time

from kombu import Connection, Producer

from common.bus.publisher import Publisher
from common.bus.topology import declare_events_exchange
from common.db import make_engine, new_metadata, transaction, make_session_factory
from common.events import CloudEvent, event_type
from common.outbox import Outbox, Relay, one_by_one, outbox_table
from common.testing import throwaway_database, unique_name


def fill(engine, table, exchange: str, n: int) -> None:
    events = [CloudEvent(type=event_type("thing.happened"), source="/servicedesk/bench", data={"i": i, "pad": "x" * 400})
              for i in range(n)]
    with transaction(make_session_factory(engine)) as session:
        Outbox(table, exchange).add(session, events)


def drain(relay: Relay) -> float:
    started = time.perf_counter()
    while relay.run_once():
        pass
    return time.perf_counter() - started


def drain_pipelined(relay: Relay) -> float:
    import threading

    stop = threading.Event()
    started = time.perf_counter()
    thread = threading.Thread(target=relay.run_forever, args=(stop,), kwargs={"idle": 0.01})
    thread.start()
    while relay.pending():
        time.sleep(0.01)
    took = time.perf_counter() - started
    stop.set()
    thread.join()
    return took


def main(n: int) -> None:
    pg = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    amqp_url = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
    prefix = unique_name("bench") + "."
    exchange = f"{prefix}bench.events"
    with throwaway_database(pg, "bench") as url:
        engine = make_engine(url)
        table = outbox_table(new_metadata())
        table.metadata.create_all(engine)
        results = {}
        publisher = Publisher(amqp_url)
        fill(engine, table, exchange, n)
        results["relay"] = n / drain(Relay(engine, table, publisher.publish))
        fill(engine, table, exchange, n)
        results["relay, pipelined"] = n / drain_pipelined(Relay(engine, table, publisher.publish))
        fill(engine, table, exchange, n)
        slow = Relay(engine, table, publisher.publish)
        slow.publish_batch = one_by_one(publisher.publish)
        results["relay, one confirm per event"] = n / drain(slow)
        publisher.close()
        body = CloudEvent(type=event_type("thing.happened"), source="/servicedesk/bench",
                          data={"i": 0, "pad": "x" * 400}).to_json().encode()
        with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
            channel = conn.channel()
            declare_events_exchange(channel, exchange)
            producer = Producer(channel)
            started = time.perf_counter()
            for i in range(n):
                producer.publish(body, exchange=exchange, routing_key="thing.happened.v1", delivery_mode=2,
                                 content_type="application/cloudevents+json", message_id=str(i))
            results["reference: kombu, confirm per message, no database"] = n / (time.perf_counter() - started)
            for name in (f"{exchange}.unrouted",):
                channel.queue_delete(name)
            channel.exchange_delete(exchange)
            channel.exchange_delete(f"{exchange}.unrouted")
        engine.dispose()
    reference = results["reference: kombu, confirm per message, no database"]
    print(f"{n} events of ~0.5 KB")
    for name, rate in results.items():
        print(f"{name:55s} {rate:8.0f} events/s  {rate / reference:5.2f}x reference")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
