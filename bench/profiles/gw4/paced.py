"""The gateway's CPU per proxied request at a fixed request rate, this code and the code before side by side
in the same seconds (not ``make bench``).

``.venv/bin/python bench/profiles/gw4/paced.py --before DIR [--rounds 4] [--seconds 6] [--rate 250]
[--ports 9266] [--only NAMES]``

In front of ``gwfast_stub.py`` (gunicorn gthread 2 x 8), both gateways under the gateway's own
``gunicorn.conf.py`` (``DIR`` holds the copy before, with its ``gunicorn.conf.py`` and ``common``), each
driven at the same time by its own wrk whose connections wait between requests (Lua ``delay``) so that
each gateway gets about ``--rate`` requests/s whatever the machine's load. wrk's closed loop otherwise lets
the request rate follow the machine's noise, and the CPU per request follows the rate (fewer wake-ups
per request when more wait together), which hid differences of 10-20 % in ``micro.py``. The figure is
user + system CPU of each gateway's master and workers over the run, divided by its answered requests.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench/profiles/gw4"))

from bench import load  # noqa: E402
from bench.cpu import cpu_seconds  # noqa: E402
from micro import scenarios, wait  # noqa: E402

LUA = load._LUA.replace("function request()", "function delay()\n  return %d\nend\nfunction request()", 1)


def wrk(base: str, reqs, connections: int, seconds: float, delay_ms: int, script: Path) -> subprocess.Popen:
    script.write_text(LUA % (",\n".join(load._lua_request(r) for r in reqs), delay_ms))
    return subprocess.Popen([load.wrk_path(), "-t", "1", "-c", str(connections), "-d", f"{round(seconds)}s",
                             "--timeout", "10s", "-s", str(script), base], stdout=subprocess.PIPE, text=True)


def result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate(timeout=120)
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
    return json.loads(line[len("BENCH "):])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--rate", type=float, default=250)
    ap.add_argument("--ports", type=int, default=9266)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    stub_port, ports = args.ports, {"after": args.ports + 1, "before": args.ports + 2}
    with tempfile.TemporaryDirectory(prefix="gw4-paced-") as tmp:
        stub = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8",
                                 "-b", f"127.0.0.1:{stub_port}", "--chdir", str(ROOT / "bench/profiles"),
                                 "gwfast_stub:app"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        procs = {}
        for name, port in ports.items():
            folder = Path(tmp) / name
            folder.mkdir()
            conf = (args.before if name == "before" else ROOT / "services/gateway") / "gunicorn.conf.py"
            env = {**os.environ, "IDENTITY_URL": f"http://127.0.0.1:{stub_port}",
                   "TICKETS_URL": f"http://127.0.0.1:{stub_port}", "SECRET_KEY": "k" * 64, "LOG_LEVEL": "WARNING",
                   "PUBLIC_URL": f"http://127.0.0.1:{port}", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
            env.pop("WEB_CONCURRENCY", None)
            if name == "before":
                env["PYTHONPATH"] = str(args.before)
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}",
                 "gateway.app:create_app()"], env=env, cwd=ROOT, stdout=open(folder / "log", "ab"),
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait(f"http://127.0.0.1:{stub_port}/healthz", stub)
            for name, port in ports.items():
                wait(f"http://127.0.0.1:{port}/healthz", procs[name])
            plan = scenarios()
            if args.only:
                plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
            rows: dict[tuple[str, str], list[dict]] = {}
            for rnd in range(args.rounds):
                for scenario, (reqs, conns) in plan.items():
                    for name, port in ports.items():  # warm: the Basic exchange, the pools
                        for req in reqs:
                            httpx.request(req.method, f"http://127.0.0.1:{port}{req.path}", headers=req.headers,
                                          content=req.body)
                    delay = max(1, round(1000 * conns / args.rate))
                    order = list(ports) if rnd % 2 == 0 else list(ports)[::-1]
                    before = {n: cpu_seconds(procs[n].pid) for n in order}
                    running = {n: wrk(f"http://127.0.0.1:{ports[n]}", reqs, conns, args.seconds, delay,
                                      Path(tmp) / f"{n}.lua") for n in order}
                    got = {n: result(p) for n, p in running.items()}
                    for n in order:
                        used = cpu_seconds(procs[n].pid) - before[n]
                        ok = got[n]["requests"] - got[n]["status_errors"]
                        rows.setdefault((scenario, n), []).append(
                            {"rps": round(ok / (got[n]["duration_us"] / 1e6), 1), "p99": got[n]["p99_ms"],
                             "errors": got[n]["status_errors"], "cpu_ms": round(1000 * used / ok, 3) if ok else None})
                print(f"round {rnd + 1} done, load {os.getloadavg()[0]:.1f}", flush=True)
            for (scenario, n), runs in rows.items():
                print(f"{scenario:24} {n:7} " + "  ".join(f"{r['rps']:6.0f}/s p99 {r['p99']:6.1f} cpu {r['cpu_ms']} ms"
                                                          for r in runs))
            for scenario in plan:
                a = [r["cpu_ms"] for r in rows[(scenario, "after")]]
                b = [r["cpu_ms"] for r in rows[(scenario, "before")]]
                print(f"median {scenario:24} before {statistics.median(b):.3f} ms  after {statistics.median(a):.3f} ms"
                      f"  after/before {statistics.median(a) / statistics.median(b):.3f}  per round "
                      + " / ".join(f"{x / y:.2f}" for x, y in zip(a, b)))
            print("JSON " + json.dumps({f"{s}|{n}": r for (s, n), r in rows.items()}))
        finally:
            for proc in (*procs.values(), stub):
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
