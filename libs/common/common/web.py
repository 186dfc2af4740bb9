"""What every service's Flask app gets: request ids, JSON errors, health probes, safe headers."""
from __future__ import annotations

from flask import Flask, g, request

from .errors import register_error_handlers
from .health import Check, health_blueprint
from .log import REQUEST_ID_HEADER, new_correlation_id, set_correlation_id


def init_service_app(app: Flask, readiness: dict[str, Check]) -> None:
    """Wire the shared middleware into ``app``; call once from each ``create_app``."""
    register_error_handlers(app)
    app.register_blueprint(health_blueprint(readiness))
    app.json.sort_keys = False

    @app.before_request
    def _bind_request_id():
        rid = request.headers.get(REQUEST_ID_HEADER) or new_correlation_id()
        g.request_id = rid
        g._cid_token = set_correlation_id(rid)

    @app.after_request
    def _headers(response):
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.teardown_request
    def _unbind_request_id(_exc):
        token = g.pop("_cid_token", None)
        if token is not None:
            set_correlation_id(None)
