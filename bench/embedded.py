"""``make run`` (scripts/embedded.py: SQLite, in-process bus) under intake and my-requests load."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from common.testing import free_port

from . import load
from .load import Request
from .scenarios import DESCRIPTION, login
from .system import ROOT, children, rss_mb, terminate  # terminate: scripts/stack.py's


def run(work: Path, seconds: float, intake_connections: int, read_connections: int) -> dict:
    var = work / "embedded"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and k not in (
        "AMQP_URL", "SMTP_URL", "PORT")}
    env.update({"VAR_DIR": str(var), "PORT": str(port), "LOG_LEVEL": "WARNING"})
    log = open(work / "logs" / "embedded.log", "ab")
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "embedded.py")], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make run did not start; see {work / 'logs' / 'embedded.log'}")
            time.sleep(0.3)
        bearer = login(base, "alice@example.com")
        desks = httpx.get(f"{base}/rest/servicedeskapi/servicedesk", headers=bearer, timeout=30).json()["values"]
        requests = []
        for n, desk in enumerate(desks * 4):
            types = httpx.get(f"{base}/rest/servicedeskapi/servicedesk/{desk['id']}/requesttype", headers=bearer,
                              timeout=30).json()["values"]
            requests.append(Request("POST", "/rest/servicedeskapi/request",
                                    {"Content-Type": "application/json", **bearer},
                                    _body(desk["id"], types[n % len(types)]["id"], n)))
        intake = load.run(base, requests, intake_connections, seconds)
        reads = load.run(base, [Request("GET", "/rest/servicedeskapi/request?limit=50", bearer)],
                         read_connections, seconds)
        rss = sum(filter(None, (rss_mb(p) for p in [proc.pid, *children(proc.pid)])))
        return {"intake": intake, "my_requests": reads, "rss_mb": round(rss, 1)}
    finally:
        terminate(proc, signal.SIGINT)


def _body(desk_id, request_type_id, n: int) -> str:
    import json
    return json.dumps({"serviceDeskId": str(desk_id), "requestTypeId": str(request_type_id),
                       "requestFieldValues": {"summary": f"Embedded intake {n}", "description": DESCRIPTION}})
