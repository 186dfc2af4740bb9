"""What every service's Flask app gets: request ids, JSON errors, health probes, safe headers."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from .errors import BadRequest, ValidationFailed, register_error_handlers
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


def _nul_in(value: Any, where: str) -> str | None:
    """The dotted name of the first string in a JSON value that holds a NUL character, else None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        name = f"{where}.{key}" if where else str(key)
        if "\x00" in name:
            return name.replace("\x00", "\\u0000")
        found = _nul_in(item, name)
        if found is not None:
            return found
    return None


def reject_nul_characters() -> None:
    """Refuse NUL characters in the path, query string or JSON body.

    Services that store what they receive register it with ``app.before_request``; the gateway
    does not, as reading the body there would consume the stream it forwards.
    """
    # PostgreSQL cannot store NUL in text, and no address, name or comment needs one.
    if "\x00" in request.path:
        raise BadRequest("The path contains a NUL character (\\u0000); remove it.")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\u0000")
            raise BadRequest(f"Query parameter '{shown}' contains a NUL character (\\u0000); remove it.")
    if request.is_json:
        where = _nul_in(request.get_json(silent=True), "")
        if where is not None:
            field = where or "body"
            raise ValidationFailed(f"'{field}' contains a NUL character (\\u0000); remove it.",
                                   errors={field: ["Contains a NUL character (\\u0000)."]})
