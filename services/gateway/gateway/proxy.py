"""Reverse proxy for the API routes: headers filtered, bodies streamed both ways."""
from __future__ import annotations

import logging
from typing import Iterator
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request, stream_with_context

from common import errors
from common.log import REQUEST_ID_HEADER

from .basic_auth import EXCHANGE_PATH
from .errors import unavailable
from .fastpath import UPSTREAM_FAILED
from .forward import CHUNK, Answer, UpstreamFailed
from .routing import upstream_for

logger = logging.getLogger(__name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade", "proxy-connection",
})
# Only these client headers reach the services: cookies of the portal session, for one, must not.
FORWARDED_REQUEST_HEADERS = (
    "Authorization", "Accept", "Accept-Language", "Accept-Encoding", "Content-Type", "Content-Length",
    "Content-Encoding", "If-Match", "If-None-Match", "User-Agent", "X-ExperimentalApi", "X-Atlassian-Token",
)
# Where WSGI keeps each of them: read straight from the environ, once per request.
_FORWARDED_ENVIRON = tuple(
    (name.upper().replace("-", "_") if name in ("Content-Type", "Content-Length")
     else "HTTP_" + name.upper().replace("-", "_"), name, name.lower())
    for name in FORWARDED_REQUEST_HEADERS)
# Werkzeug writes its own; duplicates confuse clients.
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {"server", "date"}


def forwarding_headers() -> dict[str, str]:
    """Request id and X-Forwarded-* for the current request (used by the proxy and the portal)."""
    return {
        REQUEST_ID_HEADER: g.request_id,
        "X-Forwarded-For": request.remote_addr or "",
        "X-Forwarded-Host": request.host,
        "X-Forwarded-Proto": request.scheme,
    }


def _connection_listed(value: str | None) -> set[str]:
    """Header names a Connection header's ``value`` declares hop-by-hop (RFC 9110, 7.6.1)."""
    if not value:
        return set()
    return {token.strip().lower() for token in value.split(",") if token.strip()}


def upstream_request_headers() -> dict[str, str]:
    """The headers sent upstream: the allowed client headers plus our forwarding headers."""
    return upstream_request_headers_from(request.environ, g.request_id, request.host)


def upstream_request_headers_from(environ: dict, request_id: str, host: str) -> dict[str, str]:
    """``upstream_request_headers`` of a WSGI ``environ`` (``fastpath`` has no request object)."""
    connection = environ.get("HTTP_CONNECTION")
    hop = HOP_BY_HOP | _connection_listed(connection) if connection else HOP_BY_HOP
    headers = {}
    for key, name, lowered in _FORWARDED_ENVIRON:
        value = environ.get(key)
        if value is not None and lowered not in hop:
            headers[name] = value
    headers[REQUEST_ID_HEADER] = request_id
    headers["X-Forwarded-For"] = environ.get("REMOTE_ADDR") or ""
    headers["X-Forwarded-Host"] = host
    headers["X-Forwarded-Proto"] = environ["wsgi.url_scheme"]
    return headers


def _exchange_basic(headers: dict[str, str]) -> None:
    auth = headers.get("Authorization", "")
    if auth[:6].lower() == "basic " and request.path != EXCHANGE_PATH:
        exchange = current_app.extensions["gateway.basic_exchange"]
        extra = {k: v for k, v in headers.items() if k != "Authorization" and k.startswith(("X-", "Accept-Language"))}
        headers["Authorization"] = "Bearer " + exchange.bearer_for(auth, extra)


def _request_body() -> bytes | Iterator[bytes] | None:
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.content_length:
        return None
    length = request.content_length
    if length is not None and length <= CHUNK:
        # A JSON body of a few kilobytes (intake): read whole, sent with the headers.
        return request.get_data(cache=False)
    stream = request.stream

    def chunks():
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            yield chunk

    return chunks()


def answer_headers(answer: Answer) -> list[tuple[str, str]]:
    """The upstream's answer headers that reach the client (hop-by-hop ones dropped)."""
    connection = answer.header("Connection")
    hop = DROPPED_RESPONSE_HEADERS | _connection_listed(connection) if connection else DROPPED_RESPONSE_HEADERS
    return [(k, v) for k, v in answer.headers if k.lower() not in hop]


def small(answer: Answer) -> bool:
    """Whether the answer declares a body of at most one chunk (still-encoded bytes)."""
    length = answer.header("Content-Length")
    return length is not None and length.isdigit() and int(length) <= CHUNK


def proxy(path: str = "") -> Response:
    """Forward the current request to its upstream and stream the answer back."""
    upstream = upstream_for(request.path)
    if upstream is None:
        raise errors.NotFound(f"No API lives at {request.path}.")
    failed = request.environ.get(UPSTREAM_FAILED)
    if failed is not None:
        # ``fastpath`` sent this request and the upstream failed it: answered here, not sent again.
        logger.warning("%s %s for %s %s: %s", upstream, failed[0], request.method, request.path, failed[1])
        raise unavailable(upstream)
    headers = upstream_request_headers()
    _exchange_basic(headers)
    forwarder = current_app.extensions["gateway.upstreams"].forwarder(upstream)
    target = quote(request.path)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    try:
        answer = forwarder.send(request.method, target, headers, _request_body())
    except UpstreamFailed as exc:
        logger.warning("%s unreachable for %s %s: %s", upstream, request.method, request.path, exc)
        raise unavailable(upstream) from None
    try:
        return answer_response(answer, request.method, stream_with_context)
    except UpstreamFailed as exc:
        logger.warning("%s failed mid-answer for %s %s: %s", upstream, request.method, request.path, exc)
        raise unavailable(upstream) from None


def answer_response(answer: Answer, method: str, wrap=None) -> Response:
    """The client's response to ``answer``; raises UpstreamFailed when a small body breaks off.

    ``wrap`` wraps the streaming generator of a large body (Flask's ``stream_with_context``).
    """
    response_headers = answer_headers(answer)
    if method != "HEAD" and small(answer):
        # Most API answers are a few kilobytes of JSON: read at once, they skip the streaming
        # generator and its request context (a tenth of the gateway's CPU per request).
        return Response(answer.read(), status=answer.status, headers=response_headers)

    def body():
        try:
            yield from answer.stream()
        finally:
            answer.close()

    response = Response(wrap(body()) if wrap else body(), status=answer.status, headers=response_headers)
    response.call_on_close(answer.close)
    return response


def api_blueprint() -> Blueprint:
    """The blueprint that owns every API path of the routing table."""
    bp = Blueprint("api_proxy", __name__)
    for rule in ("/api/<path:path>", "/rest/<path:path>"):
        bp.add_url_rule(rule, view_func=proxy, methods=METHODS, provide_automatic_options=False,
                        endpoint=rule.split("/")[1])
    return bp
