"""CPU milliseconds per event of identity's worker under a steady stream of tickets' events (not ``make bench``).

Migrates its own identity database (``idwk_identity``), starts ``python -m identity.worker`` alone
with its own bus prefix, and publishes ``ticket.created.v1`` events (the payload tickets writes for a
portal request, 1 KB description) straight to the worker's queue at a fixed rate. When every event
is in the inbox it prints the worker's CPU time (user + system, from /proc) per event.

``.venv/bin/python bench/profiles/idworker_loop.py [--rate 118] [--seconds 20] [--reporters 8]
[--profile FILE.raw]``: ``--reporters 0`` gives every event a new reporter (nothing to skip).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
from stack import stack_env, terminate  # noqa: E402

from kombu import Connection, Producer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.cpu import cpu_seconds, profile_process  # noqa: E402
from common.db import drop_database, ensure_database, normalise_url  # noqa: E402
from common.events import CONTENT_TYPE, CloudEvent, event_type  # noqa: E402

PG = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
DESCRIPTION = "The player stopped after the update. " * 28


def created(n: int, reporters: int) -> CloudEvent:
    desk = 1 + n % 3
    reporter = f"bench-reporter-{n % reporters}" if reporters else str(uuid.uuid4())
    return CloudEvent(
        type=event_type("ticket.created"), source="/servicedesk/tickets", subject=f"D{desk}-{n}",
        data={"ticketId": str(n), "key": f"D{desk}-{n}", "deskId": str(desk), "deskKey": f"D{desk}",
              "deskName": "Desk", "requestTypeId": "1", "summary": f"Bench intake {n}", "status": "Waiting for support",
              "reporterId": reporter, "assigneeId": None, "actorId": reporter, "actorIsAgent": False,
              "audience": {"customers": [reporter], "agents": []}, "organizationIds": [], "participantIds": [],
              "description": DESCRIPTION, "channel": "portal"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=118.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--reporters", type=int, default=8)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()

    run = uuid.uuid4().hex[:6]
    prefix = f"idwk{run}."
    work = Path(f"/tmp/idwk-{run}")
    env = stack_env(dict(os.environ), pg_server=PG, amqp_url=AMQP, bus_prefix=prefix, smtp_url="smtp://127.0.0.1:1",
                    ports={"gateway": 1, "identity": 1, "tickets": 1, "notifier": 1, "lmtp": 1},
                    key_dir=work / "keys", db_prefix=f"idwk{run}_")
    env["LOG_LEVEL"] = "WARNING"
    url = env["IDENTITY_DATABASE_URL"]
    ensure_database(url)
    subprocess.run([sys.executable, "-m", "identity.cli", "migrate"], env=env, cwd=ROOT, check=True)
    work.mkdir(parents=True, exist_ok=True)
    log = open(work / "identity-worker.log", "ab")
    worker = subprocess.Popen([sys.executable, "-m", "identity.worker"], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    engine = create_engine(normalise_url(url))
    queue = f"{prefix}identity"
    total = int(args.rate * args.seconds)
    try:
        with Connection(AMQP) as conn:
            channel = conn.channel()
            deadline = time.monotonic() + 30
            while True:  # the worker declares its queue as it starts
                try:
                    channel.queue_declare(queue=queue, passive=True)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    channel = conn.channel()
                    time.sleep(0.2)
            time.sleep(1.0)
            producer = Producer(channel)
            events = [created(n, args.reporters) for n in range(total)]
            spy = profile_process(worker.pid, args.seconds, args.profile) if args.profile else None
            before, started = cpu_seconds(worker.pid), time.monotonic()
            for n, event in enumerate(events):
                pause = started + n / args.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                producer.publish(event.to_json(), exchange="", routing_key=queue, content_type=CONTENT_TYPE,
                                 content_encoding="utf-8", delivery_mode=2, message_id=event.id)
            sent = time.monotonic() - started
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline:
            with engine.connect() as c:
                done = c.execute(text("SELECT count(*) FROM inbox")).scalar_one()
            if done >= total:
                break
            time.sleep(0.2)
        used = cpu_seconds(worker.pid) - before
        wall = time.monotonic() - started
        if spy:
            spy.wait(30)
        print(json.dumps({"events": total, "processed": done, "rate": round(total / sent, 1),
                          "drained_s": round(wall, 1), "worker_cpu_s": round(used, 2),
                          "cpu_ms_per_event": round(1000 * used / max(done, 1), 3),
                          "reporters": args.reporters or "distinct"}))
    finally:
        terminate(worker)
        engine.dispose()
        with Connection(AMQP) as conn:
            channel = conn.channel()
            for name in ("identity", "identity.dead", "identity.retry.1", "identity.retry.2", "identity.retry.3",
                         "tickets.events.unrouted"):
                try:
                    channel.queue_delete(prefix + name)
                except Exception:
                    channel = conn.channel()
            for name in ("tickets.events", "tickets.events.unrouted"):
                try:
                    channel.exchange_delete(prefix + name)
                except Exception:
                    channel = conn.channel()
        drop_database(url)


if __name__ == "__main__":
    main()
