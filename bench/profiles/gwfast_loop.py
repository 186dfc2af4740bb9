"""The gateway's cost per proxied API request (not ``make bench``): CPU milliseconds per request of the
gateway's processes and of the tickets API, through the gateway and straight, with the bare reference
in the same rounds.

``.venv/bin/python bench/profiles/gwfast_loop.py [--rounds 2] [--seconds 6] [--spy DIR] [--keep]``

``--before DIR`` also starts a second gateway from another copy of the gateway package (``DIR/gateway``,
e.g. ``git archive main services/gateway/gateway | tar -x -C DIR --strip-components=2``) with the same
settings (``DIR/gunicorn.conf.py`` when there is one), and runs every gateway scenario through it too, in the same rounds.
``--spy DIR`` records a py-spy raw profile (GIL-holding samples) of the first gateway worker during
each gateway scenario of the first round. ``--keep`` waits for Enter before stopping the stack.
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
from bench.system import System, children  # noqa: E402
from common.testing import free_port  # noqa: E402

READS = ("my_requests_sees_little", "my_requests_org_member", "list_expanded", "agent_queue_open")


def spy(pid: int, seconds: float, path: Path) -> subprocess.Popen:
    exe = str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([exe, "record", "--pid", str(pid), "-r", "100", "--gil", "--nonblocking", "--format",
                             "raw", "-d", str(round(seconds)), "-o", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(system: System, base: str, reqs, connections: int, seconds: float, spy_to: Path | None,
            gateway: str = "gateway") -> dict:
    scenarios.warm_up(base, reqs)
    profiler = None
    if spy_to is not None:
        profiler = spy(children(system.stack.processes[gateway].pid)[0], seconds, spy_to)
    with cpu.StackCpu(system) as used:
        got = load.run(base, reqs, connections, seconds)
    if profiler is not None:
        profiler.wait(timeout=60)
    ok = got["requests"] - got["status_errors"]
    per = used.summary(ok)["cpu_ms_per_unit"]
    return {"rps": got["ok_rps"], "p50": got["p50_ms"], "p99": got["p99_ms"], "errors": got["status_errors"],
            "gateway_ms": per.get(gateway, 0.0), "tickets_ms": per.get("tickets", 0.0),
            "identity_ms": per.get("identity", 0.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--spy", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--before", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gwfast-") as tmp:
        system = System(Path(tmp))
        try:
            system.start()
            seed.wait_for_replica(system.engines["tickets"], ["alice@example.com", "carol@example.com",
                                                              "agent@example.com"])
            world = seed.seed_people(system.engines["identity"], system.engines["tickets"], 200, 50)
            seed.add_tickets(system.engines["tickets"], world, 2000, {})
            gateways = {"gateway": system.gateway}
            if args.before:
                port = free_port()
                # The copy's own gunicorn.conf.py when it has one (its settings may name modules of its own).
                conf = args.before / "gunicorn.conf.py"
                conf = conf if conf.exists() else ROOT / "services/gateway/gunicorn.conf.py"
                system.stack._spawn("gateway-before", [
                    sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind",
                    f"127.0.0.1:{port}", "--workers", "2", "gateway.app:create_app()"],
                    extra={"PYTHONPATH": str(args.before), "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(dir=tmp)})
                gateways["gateway-before"] = f"http://127.0.0.1:{port}"
                system.stack.ports["gateway-before"] = port
                system.stack.wait_ready()
            callers = scenarios.Callers(system.gateway).log_in()
            key = scenarios.expandable_key(system.engines["tickets"], world)
            reads = scenarios.reads(world, callers, key)
            plan = {f"read {n}": (reads[n], 8) for n in READS}
            plan["intake bearer"] = (scenarios.intake(world, callers), 16)
            plan["intake basic"] = (scenarios.intake(world, callers, auth="basic"), 16)
            rounds = []
            for rnd in range(args.rounds):
                out = {"reference read": measure(system, system.reference_base, scenarios.reference_read(world), 8,
                                                 args.seconds, None),
                       "reference intake": measure(system, system.reference_base, scenarios.reference_intake(), 16,
                                                   args.seconds, None)}
                for name, (reqs, conns) in plan.items():
                    spy_to = None
                    if args.spy and rnd == 0:
                        args.spy.mkdir(parents=True, exist_ok=True)
                        spy_to = args.spy / (name.replace(" ", "-") + ".raw")
                    for gw, base in gateways.items():
                        out[f"{name} via {gw}"] = measure(system, base, reqs, conns, args.seconds,
                                                          spy_to and spy_to.with_name(f"{gw}-{spy_to.name}"), gw)
                    if "basic" not in name:
                        out[f"{name} straight"] = measure(system, system.tickets_api, reqs, conns, args.seconds, None)
                for name, got in out.items():
                    ref = out["reference intake" if "intake" in name else "reference read"]["rps"]
                    got["ratio"] = round(got["rps"] / ref, 3) if ref else None
                    print(f"round {rnd + 1} {name:45} {got['rps']:8.1f}/s ratio {got['ratio']:.3f} "
                          f"p50 {got['p50']:7.1f} p99 {got['p99']:7.1f} err {got['errors']:4} | CPU ms/req "
                          f"gateway {got['gateway_ms']:5.2f} tickets {got['tickets_ms']:5.2f} "
                          f"identity {got['identity_ms']:5.2f}", flush=True)
                rounds.append(out)
            print("JSON " + json.dumps(rounds), flush=True)
            if args.keep:
                print(f"gateway {system.gateway}, tickets {system.tickets_api}; Enter stops", flush=True)
                input()
        finally:
            system.close()


if __name__ == "__main__":
    main()
