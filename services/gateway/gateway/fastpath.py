"""Proxied API requests that need nothing of Flask, answered below it: about a third of the
gateway's CPU per proxied request was Flask's own machinery (request context, URL matching, seven
hooks; bench/profiles/gwfast2.md).

A request takes this path only when every check Flask's hooks would run is known to pass: a routed
API path, no body or a small one with its length declared, a query string no limit of
``common.limits`` can refuse, a Bearer token or Basic credentials the exchange has cached. Anything
else goes to Flask untouched, so errors keep their one renderer. The answer is the proxy's own
(``proxy.answer_response``) with the headers Flask's hooks add, in the same order, and the same
metrics. An upstream that fails is reported through Flask too: the request goes on to the proxy view
marked with the failure, which logs it and answers 503 as before (nothing is sent twice).
"""
from __future__ import annotations

import io
import time
from urllib.parse import quote

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_host

from common import limits, metrics, sqlcount
from common.log import REQUEST_ID_HEADER, new_correlation_id, set_correlation_id
from common.web import add_answer_headers

from .basic_auth import EXCHANGE_PATH
from .forward import CHUNK, UpstreamFailed
from .routing import upstream_for

# Set on the environ of a request whose upstream failed on this path (read by ``proxy.proxy``).
UPSTREAM_FAILED = "gateway.upstream_failed"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
# The route label Flask's URL rule gives each prefix (``proxy.api_blueprint``).
_ROUTES = (("/api/", "/api/<path:path>"), ("/rest/", "/rest/<path:path>"))
_REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


def _decoded(value: str) -> str:
    # What Werkzeug makes of a WSGI path (latin-1 transport of UTF-8 bytes).
    return value.encode("latin1").decode(errors="replace")


def query_within_limits(query: str) -> bool:
    """Whether no parameter of the raw ``query`` can break a limit ``guard_request`` checks.

    Conservative: a name that needs decoding, or a NUL anywhere, says no (Flask then decides); a
    value decodes to at most its raw length, so a raw value within its limit is within it decoded.
    """
    if "\x00" in query or "%00" in query:
        return False
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if "%" in name or "+" in name:
            return False
        if len(value) > limits.text_limit(name, limits.QUERY_TEXT):
            return False
    return True


class ApiFastPath:
    """WSGI middleware in front of the gateway's Flask app (inside ProxyFix, so it sees fixed addresses)."""

    def __init__(self, app, flask_wsgi):
        from .proxy import answer_headers, answer_response, small, upstream_request_headers_from

        self._flask = flask_wsgi
        self._upstreams = app.extensions["gateway.upstreams"]
        self._exchange = app.extensions["gateway.basic_exchange"]
        # Read per request, as Flask's hooks do.
        self._config = app.config
        self._sqlcount = sqlcount.enabled()
        self._service = app.import_name.split(".")[0]
        self._headers_from = upstream_request_headers_from
        self._answer_response = answer_response
        self._answer_headers = answer_headers
        self._small = small

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        plan = self._plan(environ)
        if plan is None:
            return self._flask(environ, start_response)
        upstream, route, path, length = plan
        rid = environ.get(_REQUEST_ID_KEY) or new_correlation_id()
        headers = self._headers_from(environ, rid, get_host(environ))
        auth = headers.get("Authorization", "")
        if auth[:6].lower() == "basic " and path != EXCHANGE_PATH:
            bearer = self._exchange.cached(auth)
            if bearer is None:
                return self._flask(environ, start_response)
            headers["Authorization"] = "Bearer " + bearer
        method = environ["REQUEST_METHOD"]
        body = None
        if length is not None:
            body = environ["wsgi.input"].read(length) if length else b""
            if len(body) < length:
                # The client sent less than it declared: Flask answers that (400), from the same bytes.
                environ["wsgi.input"] = io.BytesIO(body)
                return self._flask(environ, start_response)
        target = quote(path)
        query = environ.get("QUERY_STRING")
        if query:
            target += "?" + query
        set_correlation_id(rid)
        try:
            phase = "unreachable"
            try:
                answer = self._upstreams.forwarder(upstream).send(method, target, headers, body)
                phase = "failed mid-answer"
                response = self._respond(answer, method)
            except UpstreamFailed as exc:
                environ[UPSTREAM_FAILED] = (phase, str(exc))
                environ[_REQUEST_ID_KEY] = rid
                return self._flask(environ, start_response)
            # What the after_request hooks add, in their order (last registered runs first).
            if self._config.get("SESSION_COOKIE_SECURE"):
                response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            add_answer_headers(response.headers, rid)
            if self._sqlcount and sqlcount.HEADER not in response.headers:
                response.headers[sqlcount.HEADER] = "0"
            metrics.count_request(self._service, method, route, response.status_code, started)
        finally:
            set_correlation_id(None)
        return response(environ, start_response)

    def _respond(self, answer, method):
        status = answer.status
        if method == "HEAD" or status < 200 or status in (204, 304):
            return self._answer_response(answer, method)
        headers = self._answer_headers(answer)
        if any(name.lower() in ("location", "content-location") for name, _value in headers):
            return self._answer_response(answer, method)
        if self._small(answer):
            return _Plain(status, headers, answer.read())
        return _Streamed(status, headers, answer)

    def _plan(self, environ) -> tuple[str, str, str, int | None] | None:
        """(upstream, route label, path, body length to read) when this path can answer; else None."""
        method = environ.get("REQUEST_METHOD")
        if method not in _METHODS:
            return None
        path = "/" + _decoded(environ.get("PATH_INFO") or "").lstrip("/")
        for prefix, label in _ROUTES:
            if path.startswith(prefix):
                route = label
                break
        else:
            return None
        # A doubled slash is Werkzeug's to redirect; a NUL is the guard's to refuse.
        if "//" in path or "\x00" in path:
            return None
        upstream = upstream_for(path)
        if upstream is None:
            return None
        query = environ.get("QUERY_STRING")
        if query and not query_within_limits(query):
            return None
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        declared = environ.get("CONTENT_LENGTH")
        if declared:
            try:
                length = max(0, int(declared))
            except ValueError:
                return None
            ceiling = self._config.get("MAX_CONTENT_LENGTH")
            if length > CHUNK or length > limits.MAX_BODY_BYTES or (ceiling is not None and length > ceiling):
                return None
            # As ``proxy._request_body``: a declared empty body is sent only by methods that carry one.
            if length or method not in _BODILESS:
                return upstream, route, path, length
            return upstream, route, path, None
        # Without a declared length only a method without a body can go (a stream is Flask's).
        return (upstream, route, path, None) if method in _BODILESS else None




class _Headers:
    """The few operations the answer hooks use, on a plain list, as Werkzeug's ``Headers`` does them.

    The lower-cased names are kept in a set beside the list: the hooks ask for a name four to six
    times per answer, and scanning the list each time was a tenth of the fast path's own work."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items
        self._names = {key.lower() for key, _value in items}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._names

    def __setitem__(self, name: str, value: str) -> None:
        # The first of the name is replaced (taking this spelling), any later ones are dropped.
        lowered, items = name.lower(), self.items
        if lowered in self._names:
            for index, (key, _value) in enumerate(items):
                if key.lower() == lowered:
                    items[index] = (name, value)
                    items[index + 1:] = [item for item in items[index + 1:] if item[0].lower() != lowered]
                    return
        items.append((name, value))
        self._names.add(lowered)

    def setdefault(self, name: str, value: str) -> None:
        lowered = name.lower()
        if lowered not in self._names:
            self.items.append((name, value))
            self._names.add(lowered)


class _Plain:
    """A small answer read whole, given to the server as ``werkzeug.Response(body, status, headers)``
    would give it (without building one: a tenth of what the fast path costs). Only for what needs no
    more of Werkzeug: not HEAD, not 1xx/204/304, no Location or Content-Location to rewrite."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self._typed(status, headers)
        self.headers["Content-Length"] = str(len(body))
        self._body = body

    def _typed(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status_code = status
        self.headers = _Headers(headers)
        self.headers.setdefault("Content-Type", "text/html; charset=utf-8")

    def _status(self) -> str:
        reason = HTTP_STATUS_CODES.get(self.status_code)
        return f"{self.status_code} {reason.upper()}" if reason else f"{self.status_code} UNKNOWN"

    def __call__(self, environ, start_response):
        start_response(self._status(), self.headers.items)
        return [self._body]


class _Streamed(_Plain):
    """A larger answer passed on as it comes, as ``werkzeug.Response(generator, status, headers)``
    passes it: its headers (no length of its own), the answer's pieces, the answer closed when the
    server closes the body. Same limits as ``_Plain``."""

    def __init__(self, status: int, headers: list[tuple[str, str]], answer):
        self._typed(status, headers)
        self._answer = answer

    def __call__(self, environ, start_response):
        start_response(self._status(), self.headers.items)
        return _Body(self._answer)


class _Body:
    __slots__ = ("_answer",)

    def __init__(self, answer):
        self._answer = answer

    def __iter__(self):
        return self._answer.stream()

    def close(self) -> None:
        self._answer.close()
