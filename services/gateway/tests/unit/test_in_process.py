"""The one-process mode: upstreams are Flask apps reached through httpx.WSGITransport."""
import httpx
from flask import Flask, jsonify, request

from gateway.app import create_app


def echo_app() -> Flask:
    app = Flask("echo")

    @app.route("/rest/servicedeskapi/<path:rest>", methods=["GET", "POST"])
    def echo(rest):
        return jsonify(path=request.path, auth=request.headers.get("Authorization"),
                       host=request.headers.get("X-Forwarded-Host"), body=request.get_json(silent=True))

    @app.get("/api/tickets/big")
    def big():
        return app.response_class((b"x" * 1000 for _ in range(100)), mimetype="text/plain")

    return app


def test_upstreams_reached_through_a_wsgi_transport(settings):
    upstream = httpx.WSGITransport(app=echo_app())
    gateway = create_app(settings, transports={"identity": upstream, "tickets": upstream}).test_client()

    answer = gateway.post("/rest/servicedeskapi/request", json={"a": 1},
                          headers={"Authorization": "Bearer t", "Host": "desk.example.com"}).get_json()
    assert answer == {"path": "/rest/servicedeskapi/request", "auth": "Bearer t", "host": "desk.example.com",
                      "body": {"a": 1}}
    assert len(gateway.get("/api/tickets/big").data) == 100_000
