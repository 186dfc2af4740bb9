"""Intake on the bench's own stack (``bench.system.System``: production gunicorn settings, throwaway databases,
free ports), rounds alternating with the bare reference: wrk at 16 connections creating requests straight to
the tickets API and through the gateway, the reference's create before each; CPU milliseconds per created
request of every process kind (``bench.cpu.StackCpu``) and of the reference's process and PostgreSQL.
``--profile-dir``: a py-spy ``--gil -r 200`` raw profile of each tickets API worker in the first round.

``.venv/bin/python bench/profiles/tc/stack_intake.py [--seconds 8] [--rounds 3] [--profile-dir DIR]``
(run the "before" tree with it first on ``PYTHONPATH``: the stack's processes inherit it).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import cpu, load, scenarios, seed  # noqa: E402
from bench.run import INTAKE_CONNECTIONS, PROFILES  # noqa: E402
from bench.system import System, children  # noqa: E402


def spy(pid: int, seconds: float, path: Path) -> subprocess.Popen:
    path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "-r", "200",
                             "--gil", "--nonblocking", "--format", "raw", "-d", str(max(1, round(seconds))),
                             "-o", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def api_backends(system, workers: list[int]) -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends serving the tickets API's workers (not the relay's or the
    tickets worker's, which the bench's "postgres (tickets)" also counts): backends matched to their client by
    the client's port (``ss -tnp``)."""
    import re

    from sqlalchemy import text

    with system.engines["tickets"].connect() as conn:
        rows = conn.execute(text("SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).all()
    owners = {}
    for line in subprocess.run(["ss", "-tnpH"], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6 and (m := re.search(r"pid=(\d+)", parts[5])):
            owners[int(parts[3].rsplit(":", 1)[1])] = int(m.group(1))
    ours = {pid for pid, port in rows if owners.get(port) in workers}
    return {pid: cpu.cpu_seconds(pid) for pid in ours}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--label", default="")
    ap.add_argument("--profile-dir", type=Path)
    args = ap.parse_args()
    profile = PROFILES["quick"]
    with tempfile.TemporaryDirectory(prefix="tc-stack-") as tmp:
        system = System(Path(tmp))
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], profile.customers,
                                     profile.organisations)
            callers = scenarios.Callers(system.gateway).log_in(with_tokens=False)
            ref = scenarios.reference_intake()
            workers = children(system.stack.processes["tickets-api"].pid)
            targets = {"tickets_api": system.tickets_api, "gateway": system.gateway}
            for n in range(args.rounds):
                with cpu.StackCpu(system) as used:
                    ref_cpu = cpu.cpu_seconds(system.reference.pid)
                    got = load.run(system.reference_base, ref, INTAKE_CONNECTIONS, args.seconds)
                    ref_cpu = cpu.cpu_seconds(system.reference.pid) - ref_cpu
                done = got["requests"] - got["status_errors"]
                ref_pg = used.summary(done)["cpu_ms_per_unit"].get("postgres (reference)")
                reference = {"rps": got["ok_rps"], "app_ms": round(1000 * ref_cpu / done, 2), "pg_ms": ref_pg}
                line = {"label": args.label, "round": n + 1, "reference": reference}
                for name, base in targets.items():
                    reqs = scenarios.intake(world, callers)
                    spies = ([spy(pid, args.seconds, args.profile_dir / f"{args.label}-{name}-w{i}.raw")
                              for i, pid in enumerate(workers, 1)] if args.profile_dir and n == 0 else [])
                    api_pg = api_backends(system, workers)
                    with cpu.StackCpu(system) as used:
                        got = load.run(base, reqs, INTAKE_CONNECTIONS, args.seconds)
                    api_pg_after = api_backends(system, workers)
                    api_pg = sum(t - api_pg.get(pid, 0.0) for pid, t in api_pg_after.items())
                    for running in spies:
                        running.wait(timeout=60)
                    done = got["requests"] - got["status_errors"]
                    per = used.summary(done)["cpu_ms_per_unit"]
                    line[name] = {"rps": got["ok_rps"], "ratio": round(got["ok_rps"] / reference["rps"], 3),
                                  "p99_ms": got["p99_ms"], "errors": got["status_errors"],
                                  "tickets_api_ms": per.get("tickets-api"), "pg_tickets_ms": per.get("postgres (tickets)"),
                                  "pg_of_api_ms": round(1000 * api_pg / done, 2), "relay_ms": per.get("tickets-relay"),
                                  "gateway_ms": per.get("gateway"),
                                  "app_vs_reference": round(per.get("tickets-api", 0) / reference["app_ms"], 2),
                                  "pg_vs_reference": round(per.get("postgres (tickets)", 0) / ref_pg, 2) if ref_pg else None}
                line["sql"] = scenarios.statements(system.tickets_api, scenarios.intake(world, callers))
                print(json.dumps(line), flush=True)
        finally:
            system.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
