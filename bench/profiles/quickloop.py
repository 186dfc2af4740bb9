"""A quick measuring loop for the intake path (not ``make bench``): the stack on its own ports and
databases, a bare reference app beside it, wrk against each, rounds alternating.

``.venv/bin/python bench/profiles/quickloop.py [--rounds 3] [--seconds 10] [--keep]``
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from stack import Stack, stack_env  # noqa: E402

from common.db import drop_database, ensure_database  # noqa: E402

PG = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BASE_PORT = int(os.environ.get("QUICK_PORT", "9180"))
PREFIX = os.environ.get("QUICK_DB_PREFIX", "fastq_")

LUA = """
local bodies = {}
local desc = string.rep("The player stopped after the update. ", 28)
for i = 0, 2 do
  bodies[i] = '{"serviceDeskId":"' .. (i + 1) .. '","requestTypeId":"' .. (i * 3 + 1) ..
    '","requestFieldValues":{"summary":"Player is broken","description":"' .. desc .. '","organizations":[]}}'
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "%AUTH%"},
                    bodies[%DESK% >= 0 and %DESK% or n %% 3])
end
"""


def wrk(url: str, auth: str, seconds: int, connections: int, desk: int = -1) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA.replace("%AUTH%", auth).replace("%DESK%", str(desk)).replace("%%", "%"))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(m) for p, m in re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"), "errors": int(non2xx.group(1)) if non2xx else 0}


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))
    return value * {"us": 0.001, "ms": 1, "s": 1000}[re.search(r"[a-z]+$", text).group(0)]


MODELS = {"sync 2": ["-k", "sync", "-w", "2", "--threads", "1"], "sync 4": ["-k", "sync", "-w", "4", "--threads", "1"],
          "gthread 2x4": ["-k", "gthread", "-w", "2", "--threads", "4"],
          "gthread 4x2": ["-k", "gthread", "-w", "4", "--threads", "2"],
          "gthread 2x8": ["-k", "gthread", "-w", "2", "--threads", "8"]}


def worker_models(stack: Stack, auth: str, args, reference: str) -> None:
    """The tickets API under each worker model on its own port, the reference measured after each."""
    port = BASE_PORT + 8
    conf = ROOT / "services" / "tickets" / "gunicorn.conf.py"
    out = {}
    for rnd in range(args.rounds):
        for name, model in MODELS.items():
            proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), *model, "--bind",
                                     f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "tickets.app:create_app()"],
                                    env={**stack.env, "LOG_LEVEL": "WARNING"}, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.3)
                got = wrk(f"http://127.0.0.1:{port}/rest/servicedeskapi/request", auth, args.seconds, args.connections)
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=30)
            ref = wrk(reference, auth, args.seconds, args.connections)
            out.setdefault(name, []).append({**got, "ratio": round(got["rps"] / ref["rps"], 3), "reference": ref["rps"]})
    for name, runs in out.items():
        med = sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]
        print(f"tickets {name:12} {med['rps']:8.1f}/s  p50 {med['p50']:7.1f} ms  p99 {med['p99']:7.1f} ms  "
              f"ratio {med['ratio']:.3f}")
    print(json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--keep", action="store_true", help="leave the stack running (for py-spy)")
    ap.add_argument("--worker-models", action="store_true",
                    help="also run the tickets API under other gunicorn worker models, straight, reference between")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the stack on TERM too (finally below)
    ports = {"gateway": BASE_PORT, "identity": BASE_PORT + 1, "tickets": BASE_PORT + 2, "notifier": BASE_PORT + 3,
             "lmtp": BASE_PORT + 4}
    var = ROOT / "var" / "quick"
    env = stack_env({**os.environ, "LOG_JSON": "true", "LOG_LEVEL": "WARNING"}, pg_server=PG,
                    amqp_url="amqp://guest:guest@127.0.0.1:5672//", bus_prefix="fastq.", smtp_url=str(var / "mail"),
                    ports=ports, key_dir=var / "keys", db_prefix=PREFIX)
    for key in ("IDENTITY_DATABASE_URL", "TICKETS_DATABASE_URL", "NOTIFIER_DATABASE_URL", "INBOUND_DATABASE_URL"):
        drop_database(env[key])
        ensure_database(env[key])
    stack = Stack(env, {k: v for k, v in ports.items() if k != "lmtp"}, var / "log")
    ref_url = env["TICKETS_DATABASE_URL"].rsplit("/", 1)[0] + f"/{PREFIX}reference"
    drop_database(ref_url)
    ensure_database(ref_url)
    ref = None
    try:
        stack.start()
        stack.load_demo()
        ref = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8",
                                "-b", f"127.0.0.1:{BASE_PORT + 9}", "--chdir", str(Path(__file__).parent),
                                "reference_app:create_app()"],
                               env={**os.environ, "REFERENCE_DATABASE_URL": ref_url.replace(
                                   "postgresql://", "postgresql+psycopg://")},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        gw = stack.gateway_url
        token = httpx.post(f"{gw}/api/identity/login", json={"email": "carol@example.com",
                                                             "password": "demo-password-1"}).json()["access_token"]
        auth = f"Bearer {token}"
        time.sleep(3)  # the replica catches up with the demo accounts
        probe = httpx.post(f"{gw}/rest/servicedeskapi/request", headers={"Authorization": auth},
                           json={"serviceDeskId": "1", "requestTypeId": "1",
                                 "requestFieldValues": {"summary": "probe", "organizations": []}})
        assert probe.status_code == 201, probe.text
        targets = {"gateway": f"{gw}/rest/servicedeskapi/request",
                   "tickets": f"http://127.0.0.1:{ports['tickets']}/rest/servicedeskapi/request",
                   "reference": f"http://127.0.0.1:{BASE_PORT + 9}/request"}
        results: dict[str, list] = {k: [] for k in (*targets, "gateway-one-desk")}
        for _ in range(args.rounds):
            for name, url in targets.items():
                results[name].append(wrk(url, auth, args.seconds, args.connections))
            results["gateway-one-desk"].append(wrk(targets["gateway"], auth, args.seconds, args.connections, desk=0))
        ref_rps = sorted(r["rps"] for r in results["reference"])[len(results["reference"]) // 2]
        print(json.dumps(results), flush=True)
        summary = {}
        for name, runs in results.items():
            med = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            summary[name] = {**med, "ratio": round(med["rps"] / ref_rps, 3)}
            print(f"{name:18} {med['rps']:8.1f}/s  p50 {med['p50']:7.1f} ms  p99 {med['p99']:7.1f} ms  "
                  f"ratio {med['rps'] / ref_rps:.3f}  non-2xx {med['errors']}")
        print(json.dumps(summary))
        if args.worker_models:
            worker_models(stack, auth, args, targets["reference"])
        if args.keep:
            print("stack kept; pids:", {n: p.pid for n, p in stack.processes.items()}, "ref", ref.pid, flush=True)
            while True:
                time.sleep(60)
    finally:
        if ref is not None:
            ref.terminate()
        stack.stop()


if __name__ == "__main__":
    main()
