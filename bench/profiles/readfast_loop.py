"""A measuring loop for the read scenarios straight to the tickets API (not ``make bench``).

The bench's own system (``bench.system.System``: the stack on throwaway databases and bus names, the
bare reference beside it), seeded with ``--tickets`` tickets as ``make bench`` seeds them; then, per
read scenario, wrk at 8 connections against the tickets API with the reference's list of 50 run
before each round, the CPU seconds of every process kind over the scenario, the SQL statements of
one request (``X-SQL-Statements``), and (``--profile-dir``) a py-spy raw profile of each tickets API
worker.

``.venv/bin/python bench/profiles/readfast_loop.py [--tickets 100000] [--seconds 6] [--rounds 1]
[--profile-dir DIR] [--out FILE]``
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import cpu, load, scenarios, seed  # noqa: E402
from bench.run import PROFILES, READ_CONNECTIONS  # noqa: E402
from bench.system import System, children  # noqa: E402


def spy(pid: int, seconds: float, path: Path, gil: bool) -> subprocess.Popen:
    """py-spy on ``pid`` in the background (raw format); ``gil``: only samples of the thread holding the GIL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "-r", "50",
                             "--nonblocking", "--format", "raw", "-d", str(max(1, round(seconds))), "-o", str(path),
                             *(["--gil"] if gil else [])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--profile-dir", type=Path)
    parser.add_argument("--gil", action="store_true", help="profile only samples holding the GIL (CPU)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    profile = PROFILES["full"]
    only = {s for s in args.only.split(",") if s}
    results: dict = {"tickets": args.tickets, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="readfast-") as tmp:
        system = System(Path(tmp))
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            seed.add_tickets(system.engines["tickets"], world, args.tickets, {})
            callers = scenarios.Callers(system.gateway).log_in(with_tokens=False)
            key = scenarios.expandable_key(system.engines["tickets"], world)
            ref = scenarios.reference_read(world)
            base = system.tickets_api
            workers = children(system.stack.processes["tickets-api"].pid)
            for n in range(args.rounds):
                round_: dict = {}
                for name, reqs in scenarios.reads(world, callers, key).items():
                    if only and name not in only:
                        continue
                    reference = load.run(system.reference_base, ref, READ_CONNECTIONS, args.seconds)
                    scenarios.warm_up(base, reqs)
                    spies = [spy(pid, args.seconds, args.profile_dir / f"{name}-w{i}.raw", args.gil)
                             for i, pid in enumerate(workers, 1)] if args.profile_dir and n == 0 else []
                    with cpu.StackCpu(system) as used:
                        got = load.run(base, reqs, READ_CONNECTIONS, args.seconds)
                    for running in spies:
                        if running is not None:
                            running.wait(timeout=60)
                    done = got["requests"]
                    summary = used.summary(done)
                    round_[name] = {
                        "rps": got["ok_rps"], "p50_ms": got["p50_ms"], "p99_ms": got["p99_ms"],
                        "errors": got["status_errors"], "reference_rps": reference["ok_rps"],
                        "ratio": round(got["ok_rps"] / reference["ok_rps"], 3) if reference["ok_rps"] else None,
                        "sql": scenarios.statements(base, reqs),
                        "cpu_ms_per_request": summary["cpu_ms_per_unit"],
                    }
                    print(name, json.dumps(round_[name]), flush=True)
                results["rounds"].append(round_)
        finally:
            system.close()
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
