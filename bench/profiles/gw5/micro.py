"""The gateway alone (not ``make bench``): its own gunicorn settings in front of a stub upstream that answers
from memory, so the gateway's CPU per proxied request is measured without PostgreSQL or the services.

``GW5_PORT=9320 PY_SPY=/tmp/gw5-tools/bin/py-spy PYTHONPATH=<this tree's libs/common:services/gateway:.>
.venv/bin/python bench/profiles/gw5/micro.py [--seconds 5] [--rounds 2] [--spy DIR] [--rate 200] [--gunicorn ARGS]
[--before DIR] [--only NAMES]``

``gw3_micro.py`` on fixed ports (9320-9322) with py-spy from ``PY_SPY``; that is a copy of ``gwfast_micro.py`` with the profiler's sampling rate as an option (``--rate``, py-spy ``--gil``) and a
median line per scenario and target at the end.

The stub (``gwfast_stub.py``, gunicorn gthread) answers like the tickets API in shape and size: a 1 KB
create, an empty list, a 20 KB list of 50, a 120 KB list (streamed by the gateway), and identity's Basic
exchange. Each scenario runs with wrk through the gateway and straight against the stub; the printed
CPU figures are the gateway's processes' user+system milliseconds per completed request.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.cpu import cpu_seconds  # noqa: E402
from bench.system import children  # noqa: E402
from common.testing import free_port  # noqa: E402

HERE = Path(__file__).resolve().parent.parent
BEARER = {"Authorization": "Bearer " + "e" * 40 + "." + "p" * 500 + "." + "s" * 342}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"carol@example.com:" + b"t" * 32).decode()}
BODY = json.dumps({"serviceDeskId": "1", "requestTypeId": "1",
                   "requestFieldValues": {"summary": "Player is broken", "description": "x" * 1024}})
COMMON = {"Accept": "application/json", "User-Agent": "bench"}


def scenarios() -> dict[str, tuple[list[load.Request], int]]:
    json_post = {**COMMON, "Content-Type": "application/json"}
    return {
        "intake bearer": ([load.Request("POST", "/rest/servicedeskapi/request", {**json_post, **BEARER}, BODY)], 16),
        "intake basic": ([load.Request("POST", "/rest/servicedeskapi/request", {**json_post, **BASIC}, BODY)], 16),
        "empty list": ([load.Request("GET", "/rest/servicedeskapi/request?limit=50&size=0", {**COMMON, **BEARER})], 8),
        "list of 50 (20 KB)": ([load.Request("GET", "/rest/servicedeskapi/request?limit=50&size=20",
                                             {**COMMON, **BEARER})], 8),
        "list expanded (120 KB)": ([load.Request("GET", "/rest/servicedeskapi/request?limit=50&size=120",
                                                 {**COMMON, **BEARER})], 8),
    }


def wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--spy", type=Path)
    ap.add_argument("--gunicorn", default="", help="extra gunicorn arguments for the gateway (e.g. '-w 4 --threads 2')")
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples per second with --spy")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--before", type=Path, help="a folder holding another copy of the gateway package, run beside "
                    "(e.g. `git archive main services/gateway/gateway | tar -x -C DIR --strip-components=2`), "
                    "with its gunicorn.conf.py if DIR has one")
    args = ap.parse_args()
    stub_port, gw_port, before_port = (int(os.environ.get("GW5_PORT", "9320")) + i for i in range(3))
    with tempfile.TemporaryDirectory(prefix="gwfast-micro-") as tmp:
        stub = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8",
                                 "-b", f"127.0.0.1:{stub_port}", "--chdir", str(HERE), "gwfast_stub:app"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        env = {**os.environ, "IDENTITY_URL": f"http://127.0.0.1:{stub_port}",
               "TICKETS_URL": f"http://127.0.0.1:{stub_port}", "SECRET_KEY": "k" * 64, "LOG_LEVEL": "WARNING",
               "PUBLIC_URL": f"http://127.0.0.1:{gw_port}", "PROMETHEUS_MULTIPROC_DIR": tmp}
        env.pop("WEB_CONCURRENCY", None)

        def start_gateway(port: int, name: str, pythonpath: Path | None) -> subprocess.Popen:
            folder = Path(tmp) / name
            folder.mkdir()
            extra = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
            # A copy's own gunicorn.conf.py, when it has one (its settings may name modules of its own).
            conf = pythonpath / "gunicorn.conf.py" if pythonpath and (pythonpath / "gunicorn.conf.py").exists() \
                else ROOT / "services/gateway/gunicorn.conf.py"
            return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf),
                                     "--bind", f"127.0.0.1:{port}", *shlex.split(args.gunicorn), "gateway.app:create_app()"],
                                    env={**env, **extra, "PROMETHEUS_MULTIPROC_DIR": str(folder)}, cwd=ROOT,
                                    stdout=open(folder / "log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)

        gateway = start_gateway(gw_port, "gateway", None)
        gateways = {"gateway": (gateway, gw_port)}
        if args.before:
            gateways["before"] = (start_gateway(before_port, "before", args.before), before_port)
        try:
            wait(f"http://127.0.0.1:{stub_port}/healthz", stub)
            for proc, port in gateways.values():
                wait(f"http://127.0.0.1:{port}/healthz", proc)
            plan = scenarios()
            if args.only:
                plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
            rows = {}
            for rnd in range(args.rounds):
                for name, (reqs, conns) in plan.items():
                    targets = [*((n, p) for n, (_proc, p) in gateways.items()), ("stub", stub_port)]
                    for target, port in targets:
                        if target == "stub" and "basic" in name:
                            continue
                        base = f"http://127.0.0.1:{port}"
                        for req in reqs:
                            httpx.request(req.method, base + req.path, headers=req.headers, content=req.body)
                        profiler = None
                        measured = gateways[target][0] if target in gateways else gateway
                        if args.spy and target in gateways and rnd == 0:
                            args.spy.mkdir(parents=True, exist_ok=True)
                            profiler = subprocess.Popen(
                                [os.environ.get("PY_SPY", str(Path(sys.executable).with_name("py-spy"))), "record", "--pid",
                                 str(children(measured.pid)[0]), "-r", str(args.rate), "--gil", "--nonblocking", "--format",
                                 "raw", "-d", str(round(args.seconds)), "-o",
                                 str(args.spy / (target + "-" + name.split(" (")[0].replace(" ", "-") + ".raw"))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        before = cpu_seconds(measured.pid)
                        got = load.run(base, reqs, conns, args.seconds)
                        used = cpu_seconds(measured.pid) - before
                        if profiler:
                            profiler.wait(timeout=60)
                        ok = got["requests"] - got["status_errors"]
                        rows.setdefault((name, target), []).append(
                            {"rps": got["ok_rps"], "p99": got["p99_ms"], "errors": got["status_errors"],
                             "gateway_cpu_ms": round(1000 * used / ok, 3) if ok else None})
            for (name, target), runs in rows.items():
                print(f"{name:24} {target:8} " + "  ".join(
                    f"{r['rps']:7.0f}/s p99 {r['p99']:6.1f} err {r['errors']} gw {r['gateway_cpu_ms']} ms" for r in runs),
                    flush=True)
            for (name, target), runs in rows.items():
                cpu = sorted(r["gateway_cpu_ms"] for r in runs if r["gateway_cpu_ms"] is not None)
                if cpu:
                    print(f"median {name:24} {target:8} gw {cpu[len(cpu) // 2]:.3f} ms over {len(cpu)} rounds")
            print("JSON " + json.dumps({f"{n}|{t}": r for (n, t), r in rows.items()}))
        finally:
            for proc in (*(p for p, _port in gateways.values()), stub):
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
