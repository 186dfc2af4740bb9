"""The services' access log writes the lines gunicorn's own logger writes."""
from __future__ import annotations

import datetime
import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from common.accesslog import AccessLogger, plan

GATEWAY_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


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


def _exchange(**changes):
    environ = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "POST", "PATH_INFO": '/rest/servicedeskapi/"request"',
               "QUERY_STRING": "limit=50", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/rest/servicedeskapi/request",
               "HTTP_USER_AGENT": "jsm", "HTTP_X_TRACE": "t-1"}
    environ.update(changes)
    req = SimpleNamespace(headers=[("USER-AGENT", "jsm"), ("X-TRACE", "t-0"), ("X-TRACE", "t-1")])
    resp = SimpleNamespace(status="201 Created", sent=734,
                           headers=[("Content-Type", "application/json"), ("X-Request-ID", "abc")])
    return resp, req, environ


@pytest.mark.parametrize("fmt", [
    GATEWAY_FORMAT,
    '%(h)s %(l)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(T)s %(D)s %(L)s %(q)s %({X-Trace}i)s %({missing}o)s',
    '%(p)s %({http_x_trace}e)s %({remote_addr}e)s',
    '%(t)s %(u)s %(h)s',  # atoms left to gunicorn's own
])
def test_lines_match_gunicorns_logger(fmt):
    resp, req, environ = _exchange()
    ours = _lines(AccessLogger, fmt, resp, req, environ)
    theirs = _lines(Logger, fmt, resp, req, environ)
    if "%(t)s" in fmt:
        ours, theirs = [line.split("]", 1)[1] for line in ours], [line.split("]", 1)[1] for line in theirs]
    assert ours == theirs and ours[0]


def test_the_gateway_line_names_the_request_id_and_escapes_quotes():
    resp, req, environ = _exchange()

    line, = _lines(AccessLogger, GATEWAY_FORMAT, resp, req, environ)

    assert line == '10.0.0.7 "POST /rest/servicedeskapi/\\"request\\" HTTP/1.1" 201 734 1234ms request_id=abc'


def test_only_named_atoms_are_planned():
    assert plan(GATEWAY_FORMAT) == (["h", "m", "U", "H", "s", "b", "M"], [("{x-request-id}o", "x-request-id", "o")])
    assert plan("%(t)s") is None


def _written(logger_class, fmt: str, resp, req, environ, adjust=None) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", fmt)
    logging.getLogger("gunicorn.access").handlers.clear()  # what other tests left there
    logger = logger_class(cfg)
    stream = io.StringIO()
    logger.access_log.handlers[0].setStream(stream)
    if adjust:
        adjust(logger.access_log)
    try:
        logger.access(resp, req, environ, datetime.timedelta(seconds=1, microseconds=234567))
    finally:
        logger.access_log.filters.clear()
        logger.access_log.setLevel(logging.INFO)
    return stream.getvalue()


@pytest.mark.parametrize("fmt", [
    GATEWAY_FORMAT,
    '%(h)s %(l)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(T)s %(D)s %(L)s %(q)s %({X-Trace}i)s %({missing}o)s',
    '100%% %(h)s',
    '%(h)s %(h)s %(p)s %({REMOTE_ADDR}e)s %({x-request-id}O)s %({user-agent}i)s "%(U)s"',
])
def test_the_stream_gets_the_bytes_gunicorns_handler_writes(fmt):
    resp, req, environ = _exchange()

    ours = _written(AccessLogger, fmt, resp, req, environ)

    assert ours == _written(Logger, fmt, resp, req, environ) and ours.endswith("\n") and ours.count("\n") == 1


def test_a_format_its_atoms_cannot_fill_writes_no_line_as_gunicorns_logger():
    resp, req, environ = _exchange()

    assert _written(AccessLogger, "%(h)d %(B)d", resp, req, environ) == ""
    assert _written(Logger, "%(h)d %(B)d", resp, req, environ) == ""


@pytest.mark.parametrize("adjust, expected", [
    (lambda log: log.handlers[0].setFormatter(logging.Formatter("%(name)s %(message)s")), "gunicorn.access 10.0.0.7"),
    (lambda log: log.addFilter(lambda record: False), ""),
    (lambda log: log.setLevel(logging.WARNING), ""),
])
def test_an_access_log_set_up_otherwise_goes_through_logging(adjust, expected):
    resp, req, environ = _exchange()

    written = _written(AccessLogger, GATEWAY_FORMAT, resp, req, environ, adjust)

    assert written == _written(Logger, GATEWAY_FORMAT, resp, req, environ, adjust)
    assert written.startswith(expected) and (written or not expected)
