"""Client CPU per proxied request of three HTTP/1.1 clients, the upstream in another process.

``.venv/bin/python bench/profiles/gw3/clients_cpu.py [--requests 2000] [--blocks 5]``

Starts ``gwfast_stub.py`` under gunicorn (gthread 1 x 4), then sends the gateway's two hot requests
(a 1 KB create, the 20 KB list of 50) through: urllib3's pool as the gateway used it
(``forward.PoolForwarder``), ``http.client.HTTPConnection`` used directly (one kept-alive connection,
the body read whole), and ``keepalive.KeepAliveForwarder``. Clients alternate block by block; the
figure is this process's CPU (time.process_time) per request, least of the blocks.
"""
from __future__ import annotations

import argparse
import http.client
import json
import select
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "services/gateway"), str(ROOT)]

from common.testing import free_port  # noqa: E402
from gateway.forward import PoolForwarder  # noqa: E402
from gateway.keepalive import KeepAliveForwarder  # noqa: E402

BODY = json.dumps({"serviceDeskId": "1", "requestTypeId": "1",
                   "requestFieldValues": {"summary": "Player is broken", "description": "x" * 1024}}).encode()
HEADERS = {"Authorization": "Bearer " + "e" * 880, "Accept": "application/json", "User-Agent": "bench",
           "X-Request-ID": "0" * 32, "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "gw", "X-Forwarded-Proto": "http"}
CALLS = {"intake (1 KB create)": ("POST", "/rest/servicedeskapi/request", {**HEADERS, "Content-Type": "application/json",
                                                                           "Content-Length": str(len(BODY))}, BODY),
         "list of 50 (20 KB)": ("GET", "/rest/servicedeskapi/request?limit=50&size=20", HEADERS, None)}


class Direct:
    """http.client without urllib3: one connection, kept alive, checked for an idle close as urllib3 does."""

    def __init__(self, url):
        self.conn = http.client.HTTPConnection(url.split("//")[1])

    def send(self, method, target, headers, body):
        if self.conn.sock is not None and select.select([self.conn.sock], [], [], 0)[0]:
            self.conn.close()
        self.conn.request(method, target, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.getheaders(), response.read()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--blocks", type=int, default=5)
    args = ap.parse_args()
    port = free_port()
    stub = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "1", "--threads", "4",
                             "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT / "bench/profiles"), "gwfast_stub:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        pool, lean = PoolForwarder(url, timeout=30), KeepAliveForwarder(url, timeout=30)
        clients = {"urllib3 pool": lambda *a: pool.send(*a).read(), "http.client direct": Direct(url).send,
                   "keepalive": lambda *a: lean.send(*a).read()}
        best: dict[tuple[str, str], float] = {}
        for _block in range(args.blocks):
            for call, (method, target, headers, body) in CALLS.items():
                for name, send in clients.items():
                    started = time.process_time()
                    for _ in range(args.requests):
                        send(method, target, dict(headers), body)
                    used = (time.process_time() - started) / args.requests * 1e6
                    best[(call, name)] = min(best.get((call, name), used), used)
        for (call, name), us in best.items():
            print(f"{call:22} {name:20} {us:6.1f} us CPU per request")
    finally:
        stub.terminate()
        stub.wait(timeout=30)


if __name__ == "__main__":
    main()
