"""CPU per request of the proxy's upstream client (``keepalive``), this tree against a copy before.

``.venv/bin/python bench/profiles/gw4/client_ab.py --before DIR [--requests 3000] [--blocks 6] [--port 9263]``

Starts ``gwfast_stub.py`` under gunicorn (gthread 1 x 4) on ``--port``, then, block by block and the two
codes alternating, runs a child process that sends the gateway's two hot requests (``gw3/clients_cpu.py``'s
1 KB create and 20 KB list of 50) through ``KeepAliveForwarder`` and prints its own CPU
(time.process_time) per request. ``DIR`` holds a copy of the ``gateway`` package (put first on
PYTHONPATH). Least and median of the blocks.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]

CHILD = r"""
import json, sys, time
sys.path.insert(1, sys.argv[4])
from gateway.keepalive import KeepAliveForwarder
BODY = json.dumps({"serviceDeskId": "1", "requestTypeId": "1",
                   "requestFieldValues": {"summary": "Player is broken", "description": "x" * 1024}}).encode()
HEADERS = {"Authorization": "Bearer " + "e" * 880, "Accept": "application/json", "User-Agent": "bench",
           "X-Request-ID": "0" * 32, "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "gw", "X-Forwarded-Proto": "http"}
CALLS = {"intake": ("POST", "/rest/servicedeskapi/request", {**HEADERS, "Content-Type": "application/json",
                                                             "Content-Length": str(len(BODY))}, BODY),
         "list of 50": ("GET", "/rest/servicedeskapi/request?limit=50&size=20", HEADERS, None)}
fw = KeepAliveForwarder(sys.argv[1], timeout=30)
n = int(sys.argv[2])
method, target, headers, body = CALLS[sys.argv[3]]
for _ in range(50):
    fw.send(method, target, dict(headers), body).read()
started = time.process_time()
for _ in range(n):
    fw.send(method, target, dict(headers), body).read()
print((time.process_time() - started) / n * 1e6)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--port", type=int, default=9263)
    args = ap.parse_args()
    stub = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "1", "--threads", "4",
                             "-b", f"127.0.0.1:{args.port}", "--chdir", str(ROOT / "bench/profiles"), "gwfast_stub:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{args.port}"
    trees = {"before": str(args.before), "after": str(ROOT / "services/gateway")}
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        got: dict[tuple[str, str], list[float]] = {}
        for block in range(args.blocks):
            for call in ("intake", "list of 50"):
                for code in (("before", "after") if block % 2 == 0 else ("after", "before")):
                    env = {**os.environ, "PYTHONPATH": f"{trees[code]}:{ROOT / 'libs/common'}"}
                    out = subprocess.run([sys.executable, "-c", CHILD, url, str(args.requests), call, trees[code]],
                                         env=env, capture_output=True, text=True, check=True).stdout
                    got.setdefault((call, code), []).append(float(out))
        for call in ("intake", "list of 50"):
            b, a = got[(call, "before")], got[(call, "after")]
            print(json.dumps({"call": call, "before_us": [round(x, 1) for x in b], "after_us": [round(x, 1) for x in a],
                              "least": [round(min(b), 1), round(min(a), 1)],
                              "median": [round(statistics.median(b), 1), round(statistics.median(a), 1)],
                              "after_over_before_median": round(statistics.median(a) / statistics.median(b), 3)}))
    finally:
        stub.terminate()
        stub.wait(timeout=30)


if __name__ == "__main__":
    main()
