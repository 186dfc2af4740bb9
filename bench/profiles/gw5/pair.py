"""The gateway's upstream pool, first-in first-out against last-in first-out, side by side (not ``make bench``).

tail/tail_pair.py with a code tree per configuration: each configuration's gateway + tickets API pair
runs at once on one stack (PostgreSQL 5433 or ``TEST_DATABASE_URL``, databases and bus names under
``sdtest_<hex>_gw5bench``), each gateway calling its own tickets API, and wrk drives one pair at a time
for ``--seconds``, the order reversed every round. ``base`` runs the gateway of ``--before`` (the tree
at 13668ec, first on ``PYTHONPATH``); the others this tree's. Everything else (identity, tickets,
workers) runs this tree's code, which this change does not touch.

``TAIL_PORT=9300 TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5433/postgres \\
  .venv/bin/python bench/profiles/gw5/pair.py --before /tmp/gw5-before [--rounds 12] [--seconds 5] \\
  [--configs base,fifo,fiforp] [--fifo DIR] [--out FILE]``
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TREE = ("libs/common", "services/gateway", "services/identity", "services/tickets", "services/notifier",
        "services/inbound", ".")


def pythonpath(root: Path) -> str:
    return os.pathsep.join(str(root / p) for p in TREE)


# Every process of the stack imports this tree's packages, not the editable installs' checkout.
os.environ["PYTHONPATH"] = pythonpath(ROOT)
sys.path[:0] = [str(ROOT / p) for p in TREE] + [str(HERE.parent / "tail")]

from tail_loop import BASE_PORT, LINE, log_since, summarise  # noqa: E402

from bench import cpu, load, scenarios, seed  # noqa: E402
from bench.run import PROFILES  # noqa: E402
from bench.system import System, database_urls  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from common.db import normalise_url  # noqa: E402
from common.testing import unique_name  # noqa: E402

BASE = {"gateway": ["-w", "2", "--threads", "4"], "tickets": ["-w", "2", "--threads", "8"]}
RP = {"gateway": BASE["gateway"] + ["--reuse-port"], "tickets": BASE["tickets"] + ["--reuse-port"]}
# name -> (gateway code: --before, --fifo or this tree, gunicorn flags per service). p1.json ran fifo and
# fiforp on this tree at 0224401 (first in, first out only); later runs, fifo from a copy of that commit.
CONFIGS = {"base": ("before", BASE), "fifo": ("fifo", BASE), "fiforp": ("fifo", RP), "rp": ("before", RP),
           "recycle": ("after", BASE), "recyclerp": ("after", RP)}


def spawn(system: System, name: str, svc: str, port: int, flags: list[str], extra: dict[str, str]) -> None:
    conf = ROOT / "services" / svc / "gunicorn.conf.py"
    system.stack._spawn(name, [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}",
                               *flags, "--access-logformat", LINE, f"{svc}.app:create_app()"], extra)
    system.stack.ports[name] = port


def size(system: System, name: str) -> int:
    return (system.stack.log_dir / f"{name}.log").stat().st_size


def own_names(system: System) -> None:
    system.run_id = unique_name("gw5bench")
    system.db_prefix, system.bus_prefix = f"{system.run_id}_", f"{system.run_id}."
    system.urls = database_urls(system.pg, system.db_prefix)
    system.reference_url = make_url(normalise_url(system.pg)).set(
        database=f"{system.db_prefix}reference").render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--configs", default="base,fifo,fiforp")
    parser.add_argument("--scenarios", default="my_requests_reporter,list_expanded,agent_queue_open,intake")
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--fifo", type=Path, help="the tree of the fifo configurations (default: this one)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    configs = args.configs.split(",")
    wanted = args.scenarios.split(",")
    profile = PROFILES["full"]
    results: dict = {"tickets": args.tickets, "seconds": args.seconds, "side_by_side": True,
                     "configs": {c: {"code": CONFIGS[c][0], **CONFIGS[c][1]} for c in configs}, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="gw5pair-") as tmp:
        system = System(Path(tmp))
        own_names(system)
        names = ("gateway", "identity", "tickets", "notifier", "lmtp")
        system.ports = {name: BASE_PORT + i for i, name in enumerate(names)}
        system.reference_port = BASE_PORT + len(names)
        try:
            system.start()
            gateways = {}
            for i, config in enumerate(configs):
                code, flags = CONFIGS[config]
                tport, gport = BASE_PORT + 8 + 2 * i, BASE_PORT + 9 + 2 * i
                spawn(system, f"tickets-{config}", "tickets", tport, flags["tickets"], {})
                extra = {"TICKETS_URL": f"http://127.0.0.1:{tport}"}
                tree = {"before": args.before, "fifo": args.fifo}.get(code)
                if tree:
                    extra["PYTHONPATH"] = pythonpath(tree)
                spawn(system, f"gateway-{config}", "gateway", gport, flags["gateway"], extra)
                gateways[config] = f"http://127.0.0.1:{gport}"
            system.stack.wait_ready()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            seed.add_tickets(system.engines["tickets"], world, args.tickets, {})
            callers = scenarios.Callers(system.gateway).log_in(with_tokens=False)
            key = scenarios.expandable_key(system.engines["tickets"], world)
            plan = {**scenarios.reads(world, callers, key), "intake": scenarios.intake(world, callers)}
            for config in configs:
                for name in wanted:
                    scenarios.warm_up(gateways[config], plan[name], count=20)
            for n in range(args.rounds):
                if n:  # the access tokens last 15 minutes (p1.json's last rounds answered 401)
                    callers = scenarios.Callers(system.gateway).log_in(with_tokens=False)
                    plan = {**scenarios.reads(world, callers, key), "intake": scenarios.intake(world, callers)}
                round_: dict = {c: {} for c in configs}
                for name in wanted:
                    conns = 16 if name == "intake" else 8
                    order = configs if n % 2 == 0 else configs[::-1]
                    for config in order:
                        logs = (f"gateway-{config}", f"tickets-{config}")
                        offsets = {p: size(system, p) for p in logs}
                        with cpu.StackCpu(system) as used:
                            got = load.run(gateways[config], plan[name], conns, args.seconds)
                        time.sleep(0.3)
                        done = got["requests"] - got["status_errors"]
                        per_ms = used.summary(done)["cpu_ms_per_unit"]
                        round_[config][name] = {
                            "rps": got["ok_rps"], "p50_ms": got["p50_ms"], "p99_ms": got["p99_ms"],
                            "max_ms": got["max_ms"], "errors": got["status_errors"] + got["socket_errors"],
                            "cpu_ms": {k: per_ms.get(k) for k in (*logs, "postgres (tickets)")},
                            "cpu_ms_all": round(sum(per_ms.values()), 2),
                            "gateway_log": log_since(system, logs[0], offsets[logs[0]]),
                            "tickets_log": log_since(system, logs[1], offsets[logs[1]]),
                        }
                        print(n, config, name, json.dumps(round_[config][name]), flush=True)
                results["rounds"].append(round_)
                if args.out:
                    args.out.write_text(json.dumps(results, indent=1) + "\n")
        finally:
            system.close()
    summarise(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
