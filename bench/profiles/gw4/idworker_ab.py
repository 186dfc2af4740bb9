"""CPU milliseconds per event of identity's worker, two copies of its code alternating (not ``make bench``).

``idworker_loop.py``'s measurement (its own database and bus prefix, ``ticket.created.v1`` at a fixed
rate straight to the worker's queue, user + system CPU of the worker from /proc), run for the code of
this tree and for ``--before DIR`` (a copy of the ``identity`` package, put first on PYTHONPATH) in
turn, ``--rounds`` times. The end of a run is a last event that always goes through the inbox
(``desk.agents_changed.v1``): the queue is handled in order, so once its id is in the inbox every
event before it has been handled (the new code records no inbox row for a request's events).

``.venv/bin/python bench/profiles/gw4/idworker_ab.py --before /tmp/gw4-before [--rounds 3]
[--seconds 15] [--rate 118] [--reporters 8] [--profile DIR]``
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench" / "profiles"))
sys.path.insert(0, str(ROOT))
from stack import stack_env, terminate  # noqa: E402

from kombu import Connection, Producer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.cpu import cpu_seconds, profile_process  # noqa: E402
from common.db import drop_database, ensure_database, normalise_url  # noqa: E402
from common.events import CONTENT_TYPE, CloudEvent, event_type  # noqa: E402
from idworker_loop import created  # noqa: E402

PG = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def last() -> CloudEvent:
    return CloudEvent(type=event_type("desk.agents_changed"), source="/servicedesk/tickets", subject="D1",
                      data={"deskId": "1", "deskKey": "D1", "agentIds": []})


def run_once(tree: Path | None, args, profile: Path | None) -> dict:
    run = uuid.uuid4().hex[:6]
    prefix = f"idab{run}."
    work = Path(f"/tmp/idab-{run}")
    env = stack_env(dict(os.environ), pg_server=PG, amqp_url=AMQP, bus_prefix=prefix, smtp_url="smtp://127.0.0.1:1",
                    ports={"gateway": 1, "identity": 1, "tickets": 1, "notifier": 1, "lmtp": 1},
                    key_dir=work / "keys", db_prefix=f"idab{run}_")
    env["LOG_LEVEL"] = "WARNING"
    if tree:
        env["PYTHONPATH"] = f"{tree}:{env.get('PYTHONPATH', '')}"
    url = env["IDENTITY_DATABASE_URL"]
    ensure_database(url)
    subprocess.run([sys.executable, "-m", "identity.cli", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    work.mkdir(parents=True, exist_ok=True)
    log = open(work / "identity-worker.log", "ab")
    worker = subprocess.Popen([sys.executable, "-m", "identity.worker"], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    engine = create_engine(normalise_url(url))
    queue = f"{prefix}identity"
    total = int(args.rate * args.seconds)
    events = [created(n, args.reporters) for n in range(total)] + [last()]
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
            spy = profile_process(worker.pid, args.seconds, profile) if profile else None
            before, started = cpu_seconds(worker.pid), time.monotonic()
            for n, event in enumerate(events):
                pause = started + n / args.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                producer.publish(event.to_json(), exchange="", routing_key=queue, content_type=CONTENT_TYPE,
                                 content_encoding="utf-8", delivery_mode=2, message_id=event.id)
        deadline = time.monotonic() + 120
        done = False
        while time.monotonic() < deadline and not done:
            with engine.connect() as c:
                done = c.execute(text("SELECT count(*) FROM inbox WHERE event_id = :id"),
                                 {"id": events[-1].id}).scalar_one() > 0
            time.sleep(0.1)
        used = cpu_seconds(worker.pid) - before
        wall = time.monotonic() - started
        with engine.connect() as c:
            inbox_rows = c.execute(text("SELECT count(*) FROM inbox")).scalar_one()
        if spy:
            spy.wait(30)
        return {"code": "before" if tree else "after", "events": total, "done": done, "inbox_rows": inbox_rows,
                "drained_s": round(wall, 1), "worker_cpu_s": round(used, 2),
                "cpu_ms_per_event": round(1000 * used / total, 3)}
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=118.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--reporters", type=int, default=8)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"before": [], "after": []}
    for n in range(args.rounds):
        for tree in ((args.before, None) if n % 2 == 0 else (None, args.before)):
            name = "before" if tree else "after"
            profile = args.profile / f"idworker-{name}.raw" if args.profile and n == 0 else None
            result = run_once(tree, args, profile)
            print(json.dumps({"round": n + 1, "load": os.getloadavg()[0], **result}), flush=True)
            figures[name].append(result["cpu_ms_per_event"])
    b, a = statistics.median(figures["before"]), statistics.median(figures["after"])
    print(json.dumps({"median_before_ms": b, "median_after_ms": a, "after_over_before": round(a / b, 3),
                      "per_round": [round(x / y, 3) for x, y in zip(figures["after"], figures["before"])]}))


if __name__ == "__main__":
    main()
