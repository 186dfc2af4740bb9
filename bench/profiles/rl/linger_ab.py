"""Relay CPU per event under a steady trickle, by linger, rounds alternating.

A writer commits one outbox row per transaction at RATE/s (as intake does); a relay process
(`Relay.run_pipelined`, real Publisher with confirms to the local RabbitMQ) publishes them. Per
round: the relay process's CPU, its PostgreSQL backends' CPU (application_name rl-relay), batches
claimed, and created -> published latency from the rows.

    .venv/bin/python bench/profiles/rl/linger_ab.py --lingers 0,0.02,0.05 --rounds 3 --seconds 12
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from sqlalchemy import MetaData, create_engine, text

DB = "rl_linger"
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
AMQP = "amqp://guest:guest@127.0.0.1:5672//"
EXCHANGE = "rl-linger.events"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


def threads_cpu(pid: int) -> float:
    return cpu_of(pid)


def relay_main(linger: float, seconds: float) -> None:
    from common.bus.publisher import Publisher
    from common.outbox import Relay, outbox_table

    md = MetaData()
    table = outbox_table(md)
    engine = create_engine(URL, connect_args={"application_name": "rl-relay"})
    publisher = Publisher(AMQP)
    relay = Relay(engine, table, publisher.publish, linger=linger)
    batches = [0]
    inner = relay.publish_batch

    def counting(messages):
        batches[0] += 1
        return inner(messages)

    relay.publish_batch = counting
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    relay.run_pipelined(stop)
    print(json.dumps({"batches": batches[0]}), flush=True)


def setup() -> None:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    from common.outbox import outbox_table
    md = MetaData()
    outbox_table(md)
    md.create_all(create_engine(URL))


def one_round(linger: float, rate: float, seconds: float) -> dict:
    from common.events import utc_now
    engine = create_engine(URL)
    with engine.begin() as c:
        c.execute(text("TRUNCATE outbox"))
    proc = subprocess.Popen([sys.executable, __file__, "--relay", str(linger), "--seconds", str(seconds + 2)],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)  # connected and idle
    backends = []
    with engine.connect() as c:
        backends = [r[0] for r in c.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'rl-relay'"))]
    cpu0 = cpu_of(proc.pid)
    pg0 = {b: cpu_of(b) for b in backends}
    n = 0
    start = time.monotonic()
    body = json.dumps({"x": "y" * 600})
    with engine.connect() as c:
        while time.monotonic() - start < seconds:
            due = start + n / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            c.execute(text("INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                           "VALUES (:e, :x, 'ticket.created.v1', :b, :t, 0)"),
                      {"e": f"ev-{n}", "x": EXCHANGE, "b": body, "t": utc_now()})
            c.commit()
            n += 1
    time.sleep(0.8)  # the last rows published
    with engine.connect() as c:
        now_backends = [r[0] for r in c.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'rl-relay'"))]
    cpu1 = cpu_of(proc.pid)
    pg = sum(cpu_of(b) - pg0.get(b, 0.0) for b in set(backends) | set(now_backends) if os.path.exists(f"/proc/{b}"))
    out, _ = proc.communicate(timeout=30)
    batches = json.loads(out.strip().splitlines()[-1])["batches"]
    with engine.connect() as c:
        lat = [r[0] for r in c.execute(text(
            "SELECT extract(epoch FROM published_at - created_at) * 1000 FROM outbox "
            "WHERE published_at IS NOT NULL ORDER BY 1"))]
        pending = c.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
    p = lambda q: float(lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else float("nan")
    return {"linger": linger, "events": n, "published": len(lat), "pending": pending, "batches": batches,
            "relay_ms_per_event": 1000 * (cpu1 - cpu0) / n, "pg_ms_per_event": 1000 * pg / n,
            "events_per_batch": len(lat) / max(1, batches), "p50_ms": p(0.5), "p99_ms": p(0.99)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relay", type=float)
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--lingers", default="0,0.02,0.05")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rate", type=float, default=300)
    args = ap.parse_args()
    if args.relay is not None:
        return relay_main(args.relay, args.seconds)
    setup()
    for r in range(args.rounds):
        for linger in [float(x) for x in args.lingers.split(",")]:
            res = one_round(linger, args.rate, args.seconds)
            print(json.dumps({"round": r, **{k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}}),
                  flush=True)
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()
