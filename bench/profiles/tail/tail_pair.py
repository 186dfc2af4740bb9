"""Worker models side by side (not ``make bench``): every configuration's gateway and tickets API run
at once, each gateway calling its own tickets API, on the same stack and databases; wrk drives one
pair at a time for ``--seconds``, the configurations alternating every few seconds, so each pair of
figures is taken seconds apart under the same load from the rest of the machine. No restarts
between rounds, so there are many more rounds than tail_loop.py's in the same time.

``.venv/bin/python bench/profiles/tail/tail_pair.py [--tickets 100000] [--seconds 5] [--rounds 12]
[--configs base,rp] [--scenarios ...] [--out FILE]``
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tail_loop import BASE_PORT, CONFIGS, LINE, ROOT, log_since, summarise  # noqa: E402

from bench import cpu, load, scenarios, seed  # noqa: E402
from bench.run import PROFILES  # noqa: E402
from bench.system import System  # noqa: E402


def spawn(system: System, name: str, svc: str, port: int, flags: list[str], extra: dict[str, str]) -> None:
    conf = ROOT / "services" / svc / "gunicorn.conf.py"
    extra = {**extra, "TAIL_CONF": str(conf)}
    switch = [f for f in flags if f.startswith("--switch=")]
    if switch:
        extra["TAIL_SWITCH"] = switch[0].split("=", 1)[1]
        conf = Path(__file__).with_name("switch_conf.py")
        flags = [f for f in flags if f not in switch]
    system.stack._spawn(name, [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}",
                               *flags, "--access-logformat", LINE, f"{svc}.app:create_app()"], extra)
    system.stack.ports[name] = port


def size(system: System, name: str) -> int:
    return (system.stack.log_dir / f"{name}.log").stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--configs", default="base,rp")
    parser.add_argument("--scenarios", default="my_requests_reporter,list_expanded,intake")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    configs = args.configs.split(",")
    wanted = args.scenarios.split(",")
    profile = PROFILES["full"]
    results: dict = {"tickets": args.tickets, "seconds": args.seconds, "configs": {c: CONFIGS[c] for c in configs},
                     "side_by_side": True, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="tailpair-") as tmp:
        system = System(Path(tmp))
        names = ("gateway", "identity", "tickets", "notifier", "lmtp")
        system.ports = {name: BASE_PORT + i for i, name in enumerate(names)}
        system.reference_port = BASE_PORT + len(names)
        try:
            system.start()
            gateways = {}
            for i, config in enumerate(configs):
                tport, gport = BASE_PORT + 8 + 2 * i, BASE_PORT + 9 + 2 * i
                spawn(system, f"tickets-{config}", "tickets", tport, CONFIGS[config]["tickets"], {})
                spawn(system, f"gateway-{config}", "gateway", gport, CONFIGS[config]["gateway"],
                      {"TICKETS_URL": f"http://127.0.0.1:{tport}"})
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
