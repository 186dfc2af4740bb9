"""CPU per access line of ``common.accesslog.AccessLogger``, this tree against a copy of the module before.

``.venv/bin/python bench/profiles/gw4/accesslog_cost.py BEFORE.py [--lines 20000] [--blocks 7]``

The gateway's format, gunicorn's own StreamHandler writing to /dev/null, a request and an answer of the
gateway's shapes; the two loggers alternate block by block; least and median µs per line.
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import logging
import statistics
import sys
import time
from types import SimpleNamespace

from gunicorn.config import Config

from common import accesslog

FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


def logger_of(module):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", FORMAT)
    logging.getLogger("gunicorn.access").handlers.clear()
    logger = module.AccessLogger(cfg)
    logger.access_log.handlers[0].setStream(open("/dev/null", "w"))
    return logger


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--blocks", type=int, default=7)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("accesslog_before", args.before)
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "PATH_INFO": "/rest/servicedeskapi/request",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "", "RAW_URI": "/rest/servicedeskapi/request"}
    req = SimpleNamespace(headers=[("HOST", "gw"), ("USER-AGENT", "bench"), ("AUTHORIZATION", "Bearer x")])
    resp = SimpleNamespace(status="201 CREATED", sent=1534, headers=[
        ("Content-Type", "application/json"), ("Content-Length", "1534"), ("X-Request-ID", "f" * 32),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")])
    took = datetime.timedelta(microseconds=8123)
    got = {"before": [], "after": []}
    for block in range(args.blocks):
        for name in (("before", "after") if block % 2 == 0 else ("after", "before")):
            logger = logger_of(before if name == "before" else accesslog)
            started = time.process_time()
            for _ in range(args.lines):
                logger.access(resp, req, environ, took)
            got[name].append((time.process_time() - started) / args.lines * 1e6)
    for name, runs in got.items():
        print(f"{name:7} least {min(runs):5.2f} µs  median {statistics.median(runs):5.2f} µs per line")
    print(f"after/before of the medians {statistics.median(got['after']) / statistics.median(got['before']):.3f}")


if __name__ == "__main__":
    main()
