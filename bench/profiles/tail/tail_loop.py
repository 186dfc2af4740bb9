"""Tail latency of lists and intake through the gateway under gunicorn worker models (not ``make bench``).

The bench's own system (``bench.system.System``: the stack on throwaway databases and bus names), on
ports from ``TAIL_PORT`` (default 9280), seeded with ``--tickets`` tickets as ``make bench`` seeds them.
Then, per round and per configuration (the order rotates every round, so configurations alternate
in the same minutes), the gateway and the tickets API are restarted with that configuration's
gunicorn flags (on top of their own gunicorn.conf.py) and each scenario runs under wrk (8 connections
for lists, 16 for intake) for ``--seconds``. Per scenario: p50/p99 and requests/s from wrk, CPU
milliseconds per request per process kind (``bench.cpu.StackCpu``), and from the access logs (the
worker's pid added to the line) the requests each worker served and the server-side p50/p99 of the
tickets API's own answers.

``.venv/bin/python bench/profiles/tail/tail_loop.py [--tickets 100000] [--seconds 10] [--rounds 3]
[--configs base,t4x2] [--scenarios list_expanded,intake] [--out FILE]``
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import cpu, load, scenarios, seed  # noqa: E402
from bench.run import PROFILES  # noqa: E402
from bench.system import System  # noqa: E402

BASE_PORT = int(os.environ.get("TAIL_PORT", "9280"))
LINE = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms pid=%(p)s'
PID_MS = re.compile(r" (\d+)ms pid=<(\d+)>")

# name -> service -> gunicorn flags (a flag given twice: the last one counts).
CONFIGS: dict[str, dict[str, list[str]]] = {
    "base": {"gateway": ["-w", "2", "--threads", "4"], "tickets": ["-w", "2", "--threads", "8"]},
    "t4x2": {"gateway": ["-w", "2", "--threads", "4"], "tickets": ["-w", "4", "--threads", "2"]},
    "rp": {"gateway": ["-w", "2", "--threads", "4", "--reuse-port"],
           "tickets": ["-w", "2", "--threads", "8", "--reuse-port"]},
    "ts4": {"gateway": ["-w", "2", "--threads", "4"], "tickets": ["-k", "sync", "-w", "4", "--threads", "1"]},
    "g2x8": {"gateway": ["-w", "2", "--threads", "8"], "tickets": ["-w", "2", "--threads", "8"]},
    "g2x8rp": {"gateway": ["-w", "2", "--threads", "8", "--reuse-port"],
               "tickets": ["-w", "2", "--threads", "8", "--reuse-port"]},
    "rpsw": {"gateway": ["-w", "2", "--threads", "4", "--reuse-port", "--switch=0.001"],
             "tickets": ["-w", "2", "--threads", "8", "--reuse-port", "--switch=0.001"]},
    "grp": {"gateway": ["-w", "2", "--threads", "4", "--reuse-port"], "tickets": ["-w", "2", "--threads", "8"]},
}


def restart(system: System, svc: str, flags: list[str]) -> None:
    """The service's gunicorn again on its port, with its own settings plus ``flags``."""
    name = "tickets-api" if svc == "tickets" else svc
    stack = system.stack
    port = BASE_PORT + (0 if svc == "gateway" else 2)
    stack.stop_process(name)
    conf = ROOT / "services" / svc / "gunicorn.conf.py"
    extra = {"TAIL_CONF": str(conf)}
    switch = [f for f in flags if f.startswith("--switch=")]
    if switch:  # the same settings through switch_conf.py, which also sets the switch interval
        extra["TAIL_SWITCH"] = switch[0].split("=", 1)[1]
        conf = Path(__file__).with_name("switch_conf.py")
        flags = [f for f in flags if f not in switch]
    stack._spawn(name, [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind",
                        f"127.0.0.1:{port}", *flags, "--access-logformat", LINE,
                        f"{svc}.app:create_app()"], extra)
    stack.ports[name] = port


def log_size(system: System, name: str) -> int:
    return (system.stack.log_dir / f"{name}.log").stat().st_size


def log_since(system: System, name: str, offset: int) -> dict:
    """Requests per worker pid and server-side p50/p99 (ms, whole ms as gunicorn logs them) after ``offset``."""
    with open(system.stack.log_dir / f"{name}.log", "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    per: dict[str, int] = {}
    ms: list[int] = []
    for m in PID_MS.finditer(text):
        per[m.group(2)] = per.get(m.group(2), 0) + 1
        ms.append(int(m.group(1)))
    ms.sort()
    out = {"per_worker": sorted(per.values(), reverse=True)}
    if ms:
        out.update(p50_ms=ms[len(ms) // 2], p99_ms=ms[min(len(ms) - 1, int(len(ms) * 0.99))], max_ms=ms[-1])
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--configs", default="base,t4x2")
    parser.add_argument("--scenarios", default="my_requests_reporter,list_expanded,agent_queue_open,intake")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    configs = args.configs.split(",")
    wanted = args.scenarios.split(",")
    profile = PROFILES["full"]
    results: dict = {"tickets": args.tickets, "seconds": args.seconds, "configs": {c: CONFIGS[c] for c in configs},
                     "rounds": []}
    with tempfile.TemporaryDirectory(prefix="tail-") as tmp:
        system = System(Path(tmp))
        names = ("gateway", "identity", "tickets", "notifier", "lmtp")
        system.ports = {name: BASE_PORT + i for i, name in enumerate(names)}
        system.reference_port = BASE_PORT + len(names)
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            seed.add_tickets(system.engines["tickets"], world, args.tickets, {})
            callers = scenarios.Callers(system.gateway).log_in(with_tokens=False)
            key = scenarios.expandable_key(system.engines["tickets"], world)
            plan = {**scenarios.reads(world, callers, key), "intake": scenarios.intake(world, callers)}
            for n in range(args.rounds):
                round_: dict = {}
                order = configs[n % len(configs):] + configs[:n % len(configs)]
                for config in order:
                    for svc in ("tickets", "gateway"):
                        restart(system, svc, CONFIGS[config][svc])
                    system.stack.wait_ready()
                    round_[config] = {}
                    for name in wanted:
                        reqs = plan[name]
                        conns = 16 if name == "intake" else 8
                        scenarios.warm_up(system.gateway, reqs, count=20)
                        offsets = {p: log_size(system, p) for p in ("gateway", "tickets-api")}
                        with cpu.StackCpu(system) as used:
                            got = load.run(system.gateway, reqs, conns, args.seconds)
                        time.sleep(0.3)  # the last access lines
                        done = got["requests"] - got["status_errors"]
                        per_ms = used.summary(done)["cpu_ms_per_unit"]
                        round_[config][name] = {
                            "rps": got["ok_rps"], "p50_ms": got["p50_ms"], "p99_ms": got["p99_ms"],
                            "max_ms": got["max_ms"], "errors": got["status_errors"] + got["socket_errors"],
                            "cpu_ms": {k: per_ms.get(k) for k in ("gateway", "tickets-api", "postgres (tickets)")},
                            "cpu_ms_all": round(sum(per_ms.values()), 2),
                            "gateway_log": log_since(system, "gateway", offsets["gateway"]),
                            "tickets_log": log_since(system, "tickets-api", offsets["tickets-api"]),
                        }
                        print(n, config, name, json.dumps(round_[config][name]), flush=True)
                results["rounds"].append(round_)
                if args.out:
                    args.out.write_text(json.dumps(results, indent=1) + "\n")
        finally:
            system.close()
    summarise(results)
    return 0


def summarise(results: dict) -> None:
    """Median over the rounds per configuration and scenario, and the ratio to the first configuration."""
    configs = list(results["configs"])
    table: dict = {}
    for round_ in results["rounds"]:
        for config, by_name in round_.items():
            for name, r in by_name.items():
                table.setdefault(name, {}).setdefault(config, []).append(r)
    for name, by_config in table.items():
        first = by_config.get(configs[0])
        for config in configs:
            rs = by_config.get(config, [])
            if not rs:
                continue
            med = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms", "cpu_ms_all")}
            ratio = ""
            if first and config != configs[0]:
                base = {k: statistics.median(r[k] for r in first) for k in ("rps", "p99_ms")}
                ratio = f"  p99 x{med['p99_ms'] / base['p99_ms']:.2f} rps x{med['rps'] / base['rps']:.2f}"
            print(f"{name:22} {config:10} rps {med['rps']:7.1f} p50 {med['p50_ms']:6.1f} p99 {med['p99_ms']:6.1f} "
                  f"cpu/req {med['cpu_ms_all']:5.2f} ms{ratio}")


if __name__ == "__main__":
    sys.exit(main())
