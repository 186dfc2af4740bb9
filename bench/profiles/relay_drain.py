"""The tickets relay alone draining a backlog (not ``make bench``): where a batch's time goes.

A throwaway tickets database (its migrations), ``N`` outbox rows of 1.4 KB inserted at once (so the
table's statistics are stale, as after an outage), then ``Relay.run_pipelined`` with the real
``Publisher`` on RabbitMQ until nothing is pending. Prints events/s, the median time of each stage
(claim, publish with confirms, marks, commit) and the claim's plan.

``TEST_DATABASE_URL=... .venv/bin/python bench/profiles/relay_drain.py [N]``
"""
from __future__ import annotations

import collections
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "libs/common"), str(ROOT / "services/tickets")]

from sqlalchemy import func, text  # noqa: E402

from common.bus.publisher import Publisher  # noqa: E402
from common.db import make_engine  # noqa: E402
from common.outbox import Relay  # noqa: E402
from common.testing import amqp_server_url, postgres_server_url, throwaway_database  # noqa: E402
from tickets.cli import migrate  # noqa: E402
from tickets.settings import Settings  # noqa: E402
from tickets.store.tables import outbox  # noqa: E402

STAGES: dict[str, list[float]] = collections.defaultdict(list)


def timed(name, fn):
    def wrapper(*args, **kwargs):
        started = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            STAGES[name].append(time.monotonic() - started)
    return wrapper


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    Relay._open_claim = timed("claim", Relay._open_claim)
    Relay._publish = timed("publish", Relay._publish)
    Relay._settle = timed("marks", Relay._settle)
    Relay._finish = staticmethod(timed("commit", Relay._finish))
    with throwaway_database(postgres_server_url(), "relaydrain") as url:
        migrate(Settings(database_url=url))
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                              "SELECT md5(random()::text || n), :ex, 'bench.relay_probe', :body, now(), 0 "
                              "FROM generate_series(1, :n) n"),
                         {"ex": f"relaydrain.{uuid.uuid4().hex[:6]}", "body": "{" + "x" * 1400 + "}", "n": n})
        relay = Relay(engine, outbox, Publisher(amqp_server_url()).publish)
        plan_conn = relay._open_claim()
        query = relay._claim_query(func.now()).compile(engine, compile_kwargs={"literal_binds": True})
        plan = [r[0] for r in plan_conn.conn.execute(text(f"EXPLAIN {query}"))]
        relay._finish(plan_conn)
        STAGES.clear()
        stop = threading.Event()
        started = time.monotonic()
        thread = threading.Thread(target=relay.run_pipelined, args=(stop,))
        thread.start()
        while relay.pending():
            time.sleep(0.1)
        seconds = time.monotonic() - started
        stop.set()
        thread.join()
        engine.dispose()
    print(f"{n} events in {seconds:.2f} s: {n / seconds:.0f} events/s; load average {os.getloadavg()[0]:.1f}")
    for name, values in STAGES.items():
        values = sorted(values)
        print(f"  {name}: {len(values)} calls, median {1000 * values[len(values) // 2]:.1f} ms")
    print("claim plan:\n  " + "\n  ".join(plan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
