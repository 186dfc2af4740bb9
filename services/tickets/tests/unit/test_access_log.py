"""The tickets API's gunicorn settings name common.accesslog's logger, which writes the lines gunicorn's own writes."""
from __future__ import annotations

import datetime
import importlib
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from common.accesslog import plan

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def settings(monkeypatch, tmp_path):
    # The config file sets the metrics folder only when it is unset: give it one, so nothing leaks.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(CONF))
    module, _, name = conf["logger_class"].rpartition(".")
    conf["logger_class"] = getattr(importlib.import_module(module), name)
    return conf


def _lines(logger_class, fmt: str, resp, req, environ) -> list[str]:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", fmt)
    logger = logger_class(cfg)
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger.access_log.handlers = [Keep()]
    logger.access(resp, req, environ, datetime.timedelta(seconds=1, microseconds=234567))
    return records


def _exchange(headers=(("USER-AGENT", "jsm"), ("X-REQUEST-ID", "r-0"), ("X-REQUEST-ID", "r-1")), status="201 Created"):
    environ = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "POST", "PATH_INFO": '/rest/servicedeskapi/"request"',
               "QUERY_STRING": "limit=50", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/rest/servicedeskapi/request",
               "HTTP_AUTHORIZATION": "Basic YWxpY2U6c2VjcmV0"}
    req = SimpleNamespace(headers=list(headers))
    resp = SimpleNamespace(status=status, sent=734, headers=[("Content-Type", "application/json")])
    return resp, req, environ


@pytest.mark.parametrize("headers", [(("X-REQUEST-ID", "r-0"), ("X-REQUEST-ID", "r-1")), (("USER-AGENT", "jsm"),)])
@pytest.mark.parametrize("status", ["201 Created", 204])
def test_the_tickets_line_is_gunicorns(settings, headers, status):
    fmt = settings["access_log_format"]
    resp, req, environ = _exchange(headers, status)
    ours = _lines(settings["logger_class"], fmt, resp, req, environ)
    assert ours == _lines(Logger, fmt, resp, req, environ) and ours[0]


def test_the_line_names_the_last_request_id_and_escapes_quotes(settings):
    resp, req, environ = _exchange()
    (line,) = _lines(settings["logger_class"], settings["access_log_format"], resp, req, environ)
    assert line == '10.0.0.7 "POST /rest/servicedeskapi/\\"request\\" HTTP/1.1" 201 734 1234ms request_id=r-1'


@pytest.mark.parametrize("fmt", ['%(u)s %(h)s "%(r)s" %(a)s', "%(t)s %({content-type}o)s"])
def test_a_format_naming_other_atoms_is_left_to_gunicorn(settings, fmt):
    resp, req, environ = _exchange()
    ours = _lines(settings["logger_class"], fmt, resp, req, environ)
    theirs = _lines(Logger, fmt, resp, req, environ)
    if "%(t)s" in fmt:  # the time of day may differ by a second
        ours, theirs = [line.split("]", 1)[1] for line in ours], [line.split("]", 1)[1] for line in theirs]
    assert ours == theirs and ours[0]
    assert plan(fmt) is None
