"""The gateway's WSGI app called in-process ``--calls`` times for one scenario, for valgrind to count
its instructions (``instructions.sh``): no timing, so the machine's load does not enter the figure.
The stub upstream (``gwfast_stub.py``) must already listen on ``--port``.

``PYTHONPATH=<tree>/libs/common:<tree>/services/gateway:<tree> python bench/profiles/gw5/instr.py
--scenario intake|list --calls N [--port 9326]``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench/profiles/gw4"))
sys.path.insert(0, str(ROOT / "bench/profiles"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", choices=("intake", "list"), required=True)
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--port", type=int, default=9326)
    ap.add_argument("--dump", help="write the last answer (status, headers, body) here, for comparing trees")
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    os.environ.update({"IDENTITY_URL": url, "TICKETS_URL": url, "SECRET_KEY": "k" * 64, "LOG_LEVEL": "WARNING",
                       "PUBLIC_URL": "http://127.0.0.1:9265",
                       "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="gw5-instr-")})
    from inproc import environ_for  # noqa: E402
    from gw3_micro import BEARER, BODY, COMMON  # noqa: E402
    from gateway.app import create_app  # noqa: E402

    app = create_app()
    call = {"intake": ("POST", "/rest/servicedeskapi/request", "",
                       {**COMMON, "Content-Type": "application/json", **BEARER}, BODY.encode()),
            "list": ("GET", "/rest/servicedeskapi/request", "limit=50&size=20", {**COMMON, **BEARER}, None)}[args.scenario]
    statuses, last = [], []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)
        last[:] = [status, headers]

    method, path, query, headers, data = call
    if args.dump:  # a fixed request id, so that two trees' answers can be compared byte for byte
        headers = {**headers, "X-Request-ID": "gw5-compare"}
    for _ in range(args.calls):
        body = app(environ_for(method, path, query, headers, data), start_response)
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
    assert all(s.startswith("20") for s in statuses), statuses[:3]
    if args.dump:
        status, answer_headers = last
        Path(args.dump).write_bytes("\r\n".join([status, *(f"{k}: {v}" for k, v in answer_headers)]).encode()
                                    + b"\r\n\r\n" + b"".join(chunks))


if __name__ == "__main__":
    main()
