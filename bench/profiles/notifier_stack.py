"""The notifier in the bench's stack: its CPU per ticket created, idle, and its emails/s with 1 and 2 processes.

Starts ``bench.system.System`` (unique database names, free ports, its own SMTP sink), seeds the bench's
quick people, then for each round and each ``--version`` in turn (the notifier worker restarted with that
version's package first on ``PYTHONPATH``, so versions alternate in one stack and meet the same machine):

1. ``idle``: CPU of the notifier worker over ``--idle`` seconds with nothing to do (its polling);
2. ``intake``: tickets created straight to the tickets API at 16 connections for ``--seconds``; CPU ms
   per ticket of the notifier worker and of the notifier database's PostgreSQL backends, beside the
   tickets API's (the same run's yardstick), and the emails queued by kind;
3. ``emails``: ``bench.pipeline.emails_per_second`` with 1 and 2 notifier processes, on events spread
   over the seeded customers and on the bench's one status-change event (one recipient), between two
   smtplib reference loops to the same sink.

With ``--paced RATE`` a round is only copies of ``ticket.created`` events published at RATE/s straight to
the bus for ``--seconds``: every version meets the same arrivals, and the CPU per event is read.

``.venv/bin/python bench/profiles/notifier_stack.py --version before=/tmp/old/services/notifier
--version after= [--rounds 2] [--paced 30] [--spy DIR]`` (``after=`` with no path: this tree; ``--spy``:
py-spy ``--gil`` raw profiles of the notifier worker in the first round's intake or paced part, and
py-spy profiles of the notifier processes in its spread emails rounds).
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import cpu, load, pipeline, scenarios, seed  # noqa: E402
from bench.system import System  # noqa: E402


def spy(pid: int, seconds: float, path: Path) -> subprocess.Popen:
    return subprocess.Popen([shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(pid), "-r", "50",
                             "--nonblocking", "--gil", "--format", "raw", "-d", str(round(seconds)), "-o", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def spool_kinds(system) -> dict[str, int]:
    """Spool rows by kind of email (one row per email)."""
    from sqlalchemy import text

    with system.engines["notifier"].connect() as conn:
        return dict(conn.execute(text("SELECT kind, count(*) FROM sent_mail GROUP BY kind")).all())


def use(system, version: str) -> None:
    """The notifier processes started from now on run ``version`` (a path put first on PYTHONPATH, or '')."""
    if version:
        system.stack.env["PYTHONPATH"] = version
    else:
        system.stack.env.pop("PYTHONPATH", None)


def restart_notifier(system, version: str) -> None:
    use(system, version)
    for name in [n for n in system.stack.processes if n.startswith("notifier-worker")]:
        system.stop_process(name)
    system.start_process("notifier-worker", "notifier.worker")
    time.sleep(4)  # imports and connections: start-up stays out of the figures


def intake_round(system, world, callers, seconds: float, spy_to: Path | None) -> dict:
    reqs = scenarios.intake(world, callers)
    pipeline.settle(system, timeout=30)
    worker_pid = system.stack.processes["notifier-worker"].pid
    spies = [spy(worker_pid, seconds, spy_to)] if spy_to else []
    kinds_before = spool_kinds(system)
    with cpu.StackCpu(system) as used:
        result = load.run(system.tickets_api, reqs, 16, seconds)
        pipeline.settle(system, timeout=30)  # the emails of these tickets sent, counted in
    done = result["requests"] - result["status_errors"]
    summary = used.summary(done)["cpu_ms_per_unit"]
    for s in spies:
        s.wait(timeout=60)
    kinds = {k: n - kinds_before.get(k, 0) for k, n in spool_kinds(system).items() if n - kinds_before.get(k, 0)}
    return {"tickets_per_s": result["ok_rps"], "tickets": done, "emails_by_kind": kinds,
            "cpu_ms_per_ticket": {k: v for k, v in summary.items()
                                  if k in ("tickets-api", "notifier-worker", "postgres (notifier)", "postgres (tickets)")}}


def drain(system, timeout: float = 60) -> None:
    """Wait until the notifier's queue is empty and nothing is unacknowledged."""
    from kombu import Connection

    deadline = time.monotonic() + timeout
    with Connection(system.amqp) as conn:
        channel = conn.channel()
        while time.monotonic() < deadline:
            ok = channel.queue_declare(f"{system.bus_prefix}notifier", passive=True)
            if not ok.message_count:
                break
            time.sleep(0.1)
    time.sleep(0.5)  # the last batch's commit


def paced_round(system, rate: float, seconds: float) -> dict:
    """Copies of the run's ``ticket.created`` events published at ``rate``/s for ``seconds`` straight to the
    bus (new ids; the relay and the tickets API take no part), so each version meets the same arrivals;
    the notifier worker's and its PostgreSQL's CPU from the first publish until its spool is empty."""
    from common.bus.publisher import Publisher
    from common.bus.topology import events_exchange
    from common.outbox import Outgoing

    samples = [json.loads(b) for _rk, b in pipeline.sample_events(system.engines["tickets"], 200, "%created%")]
    exchange = events_exchange("tickets", system.bus_prefix).name
    routing_key = pipeline.sample_events(system.engines["tickets"], 1, "%created%")[0][0]
    pipeline.settle(system, timeout=30)
    kinds_before = spool_kinds(system)
    publisher = Publisher(system.amqp)
    total = int(rate * seconds)
    try:
        with cpu.StackCpu(system) as used:
            begin = time.monotonic()
            for n in range(total):
                pause = begin + n / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                event = {**samples[n % len(samples)]}
                event["id"] = event["correlationid"] = uuid.uuid4().hex
                publisher.publish_batch([Outgoing(exchange, routing_key, json.dumps(event), event["id"])])
            drain(system)
            pipeline.settle(system, timeout=30)
    finally:
        publisher.close()
    kinds = {k: n - kinds_before.get(k, 0) for k, n in spool_kinds(system).items() if n - kinds_before.get(k, 0)}
    per = used.summary(total)["cpu_ms_per_unit"]
    return {"rate": rate, "events": total, "wall_s": used.wall, "emails_by_kind": kinds,
            "cpu_ms_per_event": {k: v for k, v in per.items() if k.startswith(("notifier-worker", "postgres (notifier"))}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--idle", type=float, default=6)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--window", type=float, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--version", action="append", default=[],
                    help="NAME=PATH of a notifier package to put first on PYTHONPATH (PATH empty: this tree); "
                         "versions alternate within each round")
    ap.add_argument("--spy", type=Path)
    ap.add_argument("--paced", type=float, default=0,
                    help="only paced rounds: ticket.created events published at this rate per second")
    args = ap.parse_args()
    versions = [tuple(v.split("=", 1)) for v in args.version] or [("tree", "")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the stack is closed on a stop too
    out: dict = {"load_average_at_start": Path("/proc/loadavg").read_text().split()[:3], "rounds": []}
    with tempfile.TemporaryDirectory(prefix="notifstack-") as tmp:
        system = System(Path(tmp))
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], 200, 10)
            pipeline.seed_notifier_accounts(system.engines["tickets"], system.engines["notifier"])
            seed.add_tickets(system.engines["tickets"], world, 2000, {})
            callers = scenarios.Callers(system.gateway).log_in()
            from bench.run import _demo_customer_keys

            load.run(system.tickets_api, scenarios.intake(world, callers), 16, 2)  # tickets of demo customers

            keys = _demo_customer_keys(system, world, 20)
            pipeline.commit_to_email(system, callers.personas["agent"].bearer, keys, 10, 2)  # status changes to copy
            one = pipeline.sample_events(system.engines["tickets"], 1, "%status_changed%")
            if not one:
                raise RuntimeError("no status change in the outbox to copy")
            routing_key, body = one[0]
            for n in range(args.rounds):
                for name, path in versions:
                    got: dict = {"round": n + 1, "version": name}
                    restart_notifier(system, path)
                    if args.paced:
                        spies = []
                        if args.spy and n == 0:
                            args.spy.mkdir(parents=True, exist_ok=True)
                            spies = [spy(system.stack.processes["notifier-worker"].pid, args.seconds,
                                         args.spy / f"notifier-paced-{name}-gil.raw")]
                        got["paced"] = paced_round(system, args.paced, args.seconds)
                        for one in spies:
                            one.wait(timeout=60)
                        out["rounds"].append(got)
                        print(json.dumps(got), flush=True)
                        continue
                    pipeline.settle(system, timeout=30)
                    with cpu.StackCpu(system) as used:
                        time.sleep(args.idle)
                    got["idle_cpu_ms_per_s"] = {k: round(1000 * v / used.wall, 2) for k, v in used.used.items()
                                                if k.startswith(("notifier-worker", "postgres (notifier"))}
                    spy_dir = args.spy / name if args.spy and n == 0 else None
                    if spy_dir:
                        spy_dir.mkdir(parents=True, exist_ok=True)
                    got["intake"] = intake_round(system, world, callers, args.seconds,
                                                 spy_dir / "notifier-intake-gil.raw" if spy_dir else None)
                    got["smtplib_reference"] = pipeline.smtplib_reference(system.sink.port, args.events, 3000, 3)
                    for notifiers, spread in ((1, True), (2, True), (1, False), (2, False)):
                        pipeline.settle(system, timeout=30)  # the last round's spool rows out of the way
                        use(system, path)
                        got[f"emails_{notifiers}_{'spread' if spread else 'one_recipient'}"] = \
                            pipeline.emails_per_second(system, routing_key, body, args.events, notifiers, args.window,
                                                       spy_dir if spread else None, spread=spread)
                    got["smtplib_reference_after"] = pipeline.smtplib_reference(system.sink.port, args.events, 3000, 3)
                    out["rounds"].append(got)
                    print(json.dumps(got), flush=True)
        finally:
            system.close()
    out["load_average_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps({k: v for k, v in out.items() if k != "rounds"}))


if __name__ == "__main__":
    main()
