"""The bench-only statement counter: off by default, exact per request when on, kept through a proxy."""
from flask import Flask, Response, jsonify
from sqlalchemy import create_engine, text

from common import sqlcount
from common.web import init_service_app


def _app(monkeypatch, enabled: bool) -> Flask:
    monkeypatch.setenv("SQL_STATEMENT_COUNT", "1" if enabled else "")
    engine = create_engine("sqlite://")
    app = Flask(__name__)

    @app.before_request
    def _statement_in_a_hook():  # registered before the counter: still counted
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    init_service_app(app, readiness={})

    @app.get("/three")
    def three():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.execute(text("SELECT 2"))
        return jsonify({})

    @app.get("/proxied")
    def proxied():
        return Response("{}", headers={sqlcount.HEADER: "7"})

    return app


def test_header_absent_unless_enabled(monkeypatch):
    assert sqlcount.HEADER not in _app(monkeypatch, False).test_client().get("/three").headers


def test_counts_every_statement_of_the_request_hooks_included(monkeypatch):
    client = _app(monkeypatch, True).test_client()
    assert [client.get("/three").headers[sqlcount.HEADER] for _ in range(2)] == ["3", "3"]


def test_a_proxied_count_is_kept_by_an_app_that_ran_none_itself(monkeypatch):
    app = _app(monkeypatch, True)
    app.before_request_funcs[None] = [f for f in app.before_request_funcs[None]
                                      if f.__name__ != "_statement_in_a_hook"]
    assert app.test_client().get("/proxied").headers[sqlcount.HEADER] == "7"
