"""The gateway's WSGI app called in-process (no gunicorn) in front of the stub upstream: CPU per proxied
request of the gateway's own code, and a cProfile of it.

``.venv/bin/python bench/profiles/gw4/inproc.py [--requests 5000] [--port 9264] [--profile FILE]``

Starts ``gwfast_stub.py`` (gunicorn gthread 1 x 4) on ``--port``, builds the gateway's app as gunicorn's
workers do (``gateway.app:create_app()``), and calls it with the environ gunicorn builds for the intake
POST (Bearer, 1 KB) and the 20 KB list of 50; prints time.process_time per call (least of 5 blocks).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench/profiles/gw4"))


def environ_for(method, path, query, headers, body):
    env = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
           "RAW_URI": path + ("?" + query if query else ""), "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "9265", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000", "HTTP_HOST": "127.0.0.1:9265",
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body or b""), "wsgi.errors": sys.stderr,
           "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    return env


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--port", type=int, default=9264)
    ap.add_argument("--profile", type=Path)
    args = ap.parse_args()
    stub = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "1", "--threads", "4",
                             "-b", f"127.0.0.1:{args.port}", "--chdir", str(ROOT / "bench/profiles"), "gwfast_stub:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{args.port}"
    tmp = tempfile.mkdtemp(prefix="gw4-inproc-")
    os.environ.update({"IDENTITY_URL": url, "TICKETS_URL": url, "SECRET_KEY": "k" * 64, "LOG_LEVEL": "WARNING",
                       "PUBLIC_URL": "http://127.0.0.1:9265", "PROMETHEUS_MULTIPROC_DIR": tmp})
    from micro import BEARER, BODY, COMMON  # noqa: E402
    from gateway.app import create_app  # noqa: E402

    app = create_app()
    calls = {
        "intake bearer": ("POST", "/rest/servicedeskapi/request", "",
                          {**COMMON, "Content-Type": "application/json", **BEARER}, BODY.encode()),
        "list of 50": ("GET", "/rest/servicedeskapi/request", "limit=50&size=20", {**COMMON, **BEARER}, None),
    }

    def start_response(status, headers, exc_info=None):
        return None

    def once(call):
        body = app(environ_for(*call), start_response)
        for _ in body:
            pass
        if hasattr(body, "close"):
            body.close()

    try:
        for _ in range(100):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for name, call in calls.items():
            for _ in range(200):
                once(call)
            best = []
            for _block in range(5):
                started = time.process_time()
                for _ in range(args.requests // 5):
                    once(call)
                best.append((time.process_time() - started) / (args.requests // 5) * 1e6)
            print(f"{name:14} {min(best):6.1f} µs CPU per call (blocks: {', '.join(f'{b:.0f}' for b in best)})",
                  flush=True)
            if args.profile:
                prof = cProfile.Profile(time.process_time)
                prof.enable()
                for _ in range(args.requests // 5):
                    once(call)
                prof.disable()
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
                Path(f"{args.profile}-{name.replace(' ', '-')}.txt").write_text(out.getvalue())
    finally:
        stub.terminate()
        stub.wait(timeout=30)


if __name__ == "__main__":
    main()
