"""Bench-only count of the SQL statements each request runs, sent back as ``X-SQL-Statements``.

Off unless ``SQL_STATEMENT_COUNT`` is true (``make bench`` sets it); then every engine of the process
counts the statements the current request's thread executes. The header is how the benchmark reads
a request's statement count without a server-wide setting such as ``pg_stat_statements``.
"""
from __future__ import annotations

import os
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

HEADER = "X-SQL-Statements"
_count: ContextVar[list[int] | None] = ContextVar("sql_statement_count", default=None)
_listening = False


def _counted(_conn, _cursor, _statement, _parameters, _context, _executemany):
    box = _count.get()
    if box is not None:
        box[0] += 1


def enabled(environ=os.environ) -> bool:
    return environ.get("SQL_STATEMENT_COUNT", "").strip().lower() in {"1", "true", "yes", "on"}


def install(app: Flask) -> None:
    """Count each request's statements into the response header (once per process for the engines)."""
    global _listening
    if not _listening:
        event.listen(Engine, "before_cursor_execute", _counted)
        _listening = True

    def _start():
        _count.set([0])

    # First of all hooks, so statements run by other before-request hooks (the caller's account) count.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _report(response):
        box = _count.get()
        # A proxied answer (the gateway) keeps the count of the service that ran the statements.
        if box is not None and (box[0] or HEADER not in response.headers):
            response.headers[HEADER] = str(box[0])
        return response

    @app.teardown_request
    def _stop(_exc):
        _count.set(None)
