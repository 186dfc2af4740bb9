"""What every service's Flask app gets: request ids, JSON errors, health probes, safe headers, input limits."""
from __future__ import annotations

import json
import re
import time
from typing import Any

from flask import Flask, g, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge

from . import limits, metrics, sqlcount
from .errors import (
    BadRequest, PayloadTooLarge, ValidationFailed, json_response, register_error_handlers, to_response,
)
from .health import Check, health_blueprint
from .log import REQUEST_ID_HEADER, new_correlation_id, set_correlation_id


def init_service_app(app: Flask, readiness: dict[str, Check], bodies: bool = True) -> None:
    """Wire the shared middleware into ``app``; call once from each ``create_app``.

    Every request is held to ``common.limits`` (see ``guard_request``; ``bodies=False`` for the gateway).
    """
    register_error_handlers(app)
    # An app with uploads sets its own ceiling (the gateway; tickets raises it per upload request).
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = limits.MAX_BODY_BYTES
    if bodies:
        app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_blueprint(health_blueprint(readiness))
    service = app.import_name.split(".")[0]
    metrics.init_app(app)
    app.json.sort_keys = False
    memoise_ensure_sync(app)
    perf_counter = time.perf_counter

    # One hook before and one after every request, each reading Flask's context proxies once: every
    # hook costs Flask a lookup and a call, every proxy read a few more, and a request that does
    # little (an empty list) spent a large share of its Python in them.
    @app.before_request
    def _begin():
        store, req = g._get_current_object(), request._get_current_object()
        store._metrics_started = perf_counter()
        rid = req.environ.get(_REQUEST_ID_ENVIRON) or new_correlation_id()
        store.request_id = rid
        store._cid_token = set_correlation_id(rid)
        check_request(req, bodies)

    if sqlcount.enabled():
        sqlcount.install(app)

    @app.after_request
    def _finish(response):
        store = g._get_current_object()
        add_answer_headers(response.headers, getattr(store, "request_id", None))
        started = store.__dict__.pop("_metrics_started", None)
        req = request._get_current_object()
        rule = req.url_rule
        metrics.count_request(service, req.method, rule.rule if rule is not None else "<unmatched>",
                              response.status_code, started)
        return response

    @app.teardown_request
    def _unbind_request_id(_exc):
        token = g.pop("_cid_token", None)
        if token is not None:
            set_correlation_id(None)


# The WSGI environ key of the request id header (what ``request.headers`` would look up).
_REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


def memoise_ensure_sync(app: Flask) -> None:
    """Remember Flask's ``ensure_sync`` answer for the app's views, hooks and error handlers: Flask
    inspects the function again for the view and each hook of every request, and the answer of a
    registered function never changes. Any other function (an ``after_this_request`` closure, new
    with each request) is asked about as before, so nothing of a request is kept."""
    ensure_sync = app.ensure_sync
    known: dict = {}

    def registered() -> set:
        found = set(app.view_functions.values())
        for table in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
            for funcs in table.values():
                found.update(funcs)
        for by_code in app.error_handler_spec.values():
            for handlers in by_code.values():
                found.update(handlers.values())
        return found

    def memoised(func):
        synced = known.get(func)
        if synced is None:
            synced = ensure_sync(func)
            if func in registered():
                known[func] = synced
        return synced

    app.ensure_sync = memoised


def add_answer_headers(headers, request_id: str | None) -> None:
    """The request id and the safe defaults every answer carries (also set outside Flask's hooks)."""
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    # One pass over the names the answer has, not a ``setdefault`` per default: Werkzeug's lookup of
    # a name that is missing, as these usually are, raises and catches an exception.
    if isinstance(headers, Headers):
        present = {name.lower() for name, _ in headers}
        for name, lowered, value in _SAFE_DEFAULTS:
            if lowered not in present:
                headers[name] = value
        return
    for name, _lowered, value in _SAFE_DEFAULTS:
        headers.setdefault(name, value)


_SAFE_DEFAULTS = tuple((name, name.lower(), value) for name, value in (
    ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")))


def _too_large(_exc):
    # A body without Content-Length that grows past the limit while it is read.
    return json_response(*to_response(PayloadTooLarge(
        f"The request body is larger than the {limits.describe_bytes(limits.MAX_BODY_BYTES)} limit; send less.")))


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(Exception):
    def __init__(self, error):
        self.error = error


def _check_text(value: str, where: str, limit: int) -> None:
    field = where or "body"
    if "\x00" in value:
        raise ValidationFailed(f"'{field}' contains a NUL character (\\u0000); remove it.",
                               errors={field: ["Contains a NUL character (\\u0000)."]})
    if _SURROGATE.search(value):
        raise ValidationFailed(f"'{field}' contains an unpaired surrogate (such as \\ud800): send valid Unicode text.",
                               errors={field: ["Contains an unpaired surrogate."]})
    if len(value) > limit:
        raise ValidationFailed(f"'{field}' is too long: at most {limit} characters.",
                               errors={field: [f"At most {limit} characters."]})


def check_json(value: Any) -> None:
    """Refuse a parsed JSON body that breaks a limit of ``common.limits`` (400 naming the field)."""
    # An explicit stack: a deep document must not exhaust Python's own recursion.
    stack: list[tuple[Any, str, str, int]] = [(value, "", "", 1)]
    while stack:
        item, where, name, depth = stack.pop()
        if depth > limits.MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body is nested too deeply: at most {limits.MAX_JSON_DEPTH} levels.")
        if isinstance(item, str):
            _check_text(item, where, limits.text_limit(name))
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else str(key)
                _check_text(key, path, limits.SHORT_TEXT)
                stack.append((child, path, key, depth + 1))
        elif isinstance(item, list):
            if len(item) > limits.MAX_LIST_ITEMS:
                field = where or "body"
                raise ValidationFailed(f"'{field}' has too many items: at most {limits.MAX_LIST_ITEMS}.",
                                       errors={field: [f"At most {limits.MAX_LIST_ITEMS} items."]})
            for index, child in enumerate(item):
                stack.append((child, f"{where}[{index}]", name, depth + 1))


def parse_json(data: bytes) -> Any:
    """The JSON document in ``data``; 400 when it is not JSON or nests deeper than Python can parse."""
    try:
        return json.loads(data)
    except RecursionError:
        raise BadRequest(f"The JSON body is nested too deeply: at most {limits.MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:  # includes UnicodeDecodeError
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from None


def guard_request(bodies: bool = True):
    """A ``before_request`` hook enforcing ``common.limits`` on the path, the query and (``bodies``) the JSON body.

    The gateway passes ``bodies=False``: reading the body there would consume the stream it forwards,
    and the service behind it checks the body anyway. Its declared size is checked everywhere.
    """

    def guard() -> None:
        check_request(request._get_current_object(), bodies)

    return guard


def check_request(req, bodies: bool = True) -> None:
    """What ``guard_request``'s hook checks, on the request ``req``."""
    if "\x00" in req.path:
        raise BadRequest("The path contains a NUL character (\\u0000); remove it.")
    for name, value in req.args.items(multi=True):
        shown = name.replace("\x00", "\\u0000")
        if "\x00" in name or "\x00" in value:
            raise BadRequest(f"Query parameter '{shown}' contains a NUL character (\\u0000); remove it.")
        limit = limits.text_limit(name, limits.QUERY_TEXT)
        if len(value) > limit:
            raise BadRequest(f"Query parameter '{shown}' is too long: at most {limit} characters.")
    environ = req.environ
    if "CONTENT_LENGTH" not in environ and "CONTENT_TYPE" not in environ:
        # No declared size and no type, so no JSON body: the checks below would each look the two
        # headers up, and a missing header costs Werkzeug's lookup a raised exception.
        return
    size = req.content_length
    # Multipart bodies carry files, held to the attachment limits where they are read.
    if size is not None and size > limits.MAX_BODY_BYTES and req.mimetype != "multipart/form-data":
        raise PayloadTooLarge(f"The request body is larger than the {limits.describe_bytes(limits.MAX_BODY_BYTES)} "
                              "limit; send less.")
    if bodies and size != 0 and req.is_json:
        data = req.get_data(cache=True)
        if data.strip():
            check_json(parse_json(data))
