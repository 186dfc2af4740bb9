"""The API fast path answers exactly as the Flask proxy view does, and leaves to Flask what it cannot."""
from __future__ import annotations

import base64
import dataclasses
import json
import logging

import httpx
import pytest
from flask import request_started
from prometheus_client import REGISTRY

from common import limits
from gateway.app import create_app
from gateway.fastpath import query_within_limits

BIG = bytes(range(256)) * 400  # 100 KB: more than one chunk, streamed
BASIC = "Basic " + base64.b64encode(b"alice@example.com:api-token-1").decode()


def _tickets_answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/big"):
        return httpx.Response(200, content=BIG, headers={"Content-Type": "application/octet-stream"})
    if path.endswith("/bigchunked"):
        # Streamed from the upstream without a length or a type; a 404 so the status is passed on too.
        return httpx.Response(404, content=iter([BIG[:10], BIG, b"end"]), headers={"X-Request-ID": "b"})
    if path.endswith("/empty"):
        return httpx.Response(204)
    if path.endswith("/missing"):
        return httpx.Response(404, json={"errorMessage": "No such request."})
    if path.endswith("/untyped"):
        return httpx.Response(200, content=b"plain", headers={"content-length": "5", "X-Request-Id": "a"})
    if path.endswith("/located"):
        return httpx.Response(201, json={}, headers={"Location": "/rest/servicedeskapi/request/AM-1"})
    if path.endswith("/unknown"):
        return httpx.Response(299, json={})
    headers = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Connection", "X-Hop"), ("X-Hop", "1"),
               ("X-Content-Type-Options", "nosniff"), ("X-Request-ID", "upstream-id")]
    return httpx.Response(201 if request.method == "POST" else 200, headers=headers,
                          json={"method": request.method, "query": request.url.query.decode(),
                                "body": request.content.decode("latin-1"),
                                "headers": sorted((k, v) for k, v in request.headers.items()
                                                  if k not in ("host", "content-length") or request.content)})


def _gateway(settings, identity, tickets, fast: bool):
    tickets.routes.clear()
    tickets.on("GET", ".*", _tickets_answer).on("POST", ".*", _tickets_answer).on("HEAD", ".*", _tickets_answer)
    tickets.on("DELETE", ".*", _tickets_answer).on("PUT", ".*", _tickets_answer)
    identity.on("POST", "/api/identity/tokens/exchange", {"access_token": "exchanged", "expires_in": 900})
    app = create_app(settings, transports={"identity": identity.transport(), "tickets": tickets.transport()})
    if not fast:
        app.wsgi_app = app.extensions["gateway.fastpath"]._flask
    return app


@pytest.fixture
def both(settings, identity, tickets):
    return _gateway(settings, identity, tickets, True), _gateway(settings, identity, tickets, False)


def _flask_requests(app) -> list:
    seen = []
    request_started.connect(lambda sender, **_: seen.append(1), app, weak=False)
    return seen


REQUESTS = [
    ("GET", "/rest/servicedeskapi/request?limit=50&start=0&expand=status,comment", None, {}),
    ("GET", "/rest/servicedeskapi/request/AM-1", None, {"Accept-Language": "fr", "Cookie": "sd_session=x"}),
    ("POST", "/rest/servicedeskapi/request", json.dumps({"summary": "é" * 10}).encode(),
     {"Content-Type": "application/json"}),
    ("POST", "/rest/servicedeskapi/request/AM-1/comment", b"", {"Content-Type": "application/json",
                                                                 "environ": {"CONTENT_LENGTH": "0"}}),
    ("PUT", "/api/tickets/requests/AM-1", b'{"a": 1}', {"Content-Type": "application/json", "If-Match": "3"}),
    ("DELETE", "/rest/servicedeskapi/request/AM-1/participant", None, {}),
    ("HEAD", "/rest/servicedeskapi/request", None, {}),
    ("GET", "/rest/servicedeskapi/big", None, {}),
    ("GET", "/rest/servicedeskapi/bigchunked", None, {}),
    ("GET", "/rest/servicedeskapi/empty", None, {}),
    ("GET", "/rest/servicedeskapi/missing", None, {}),
    ("GET", "/rest/servicedeskapi/r%C3%A9quest", None, {}),
    ("GET", "/rest/servicedeskapi/untyped", None, {}),
    ("POST", "/rest/servicedeskapi/located", b"{}", {"Content-Type": "application/json"}),
    ("GET", "/rest/servicedeskapi/unknown", None, {}),
    ("GET", "/rest/servicedeskapi/request", None, {"Connection": "X-Client-Hop", "X-Client-Hop": "1",
                                                   "TE": "trailers"}),
]


@pytest.mark.parametrize("method,path,body,extra", REQUESTS, ids=[f"{m} {p}" for m, p, _b, _e in REQUESTS])
@pytest.mark.parametrize("auth", ["Bearer abc", BASIC])
def test_the_fast_path_answers_and_forwards_as_the_proxy_view_does(both, tickets, method, path, body, extra, auth):
    fast, flask = both
    extra = dict(extra)
    environ = extra.pop("environ", None)
    headers = {"Authorization": auth, "X-Request-ID": "req-1", "User-Agent": "jsm-client", **extra}
    flask.test_client().get("/rest/servicedeskapi/request", headers=headers)  # the exchange, cached
    fast.test_client().get("/rest/servicedeskapi/request", headers=headers)
    flask_seen = _flask_requests(fast)

    answers = []
    for app in (fast, flask):
        answer = app.test_client().open(path, method=method, data=body, headers=headers, environ_overrides=environ)
        answers.append((answer.status, list(answer.headers.items()), answer.get_data()))
        answer.close()

    assert answers[0] == answers[1]
    assert flask_seen == [], "the fast path left this request to Flask"
    sent = [r for r in tickets.requests if r.url.path == path.split("?")[0].replace("%C3%A9", "é")][-2:]
    assert len(sent) == 2 and sent[0].method == sent[1].method == method
    assert sorted(sent[0].headers.items()) == sorted(sent[1].headers.items())
    assert sent[0].content == sent[1].content


@pytest.mark.parametrize("method,path,body,headers", [
    ("GET", "/rest/servicedeskapi/request?searchTerm=" + "x" * 201, None, {}),
    ("GET", "/rest/servicedeskapi/request?searchTerm=a%00b", None, {}),
    ("GET", "/rest/servicedeskapi//request", None, {}),
    ("GET", "/api/identity/replica/accounts", None, {}),
    ("GET", "/portal/requests", None, {}),
    ("POST", "/rest/servicedeskapi/request", b"x" * (70 * 1024), {"Content-Type": "application/json"}),
    ("POST", "/rest/servicedeskapi/request/AM-1/comment", None, {}),
    ("GET", "/rest/servicedeskapi/request", None, {"Authorization": "Basic " + base64.b64encode(b"new:one").decode()}),
])
def test_what_the_fast_path_cannot_vouch_for_goes_to_flask(both, method, path, body, headers):
    fast, flask = both
    seen = _flask_requests(fast)

    statuses = []
    for app in (fast, flask):
        answer = app.test_client().open(path, method=method, data=body, headers=headers)
        statuses.append(answer.status_code)
        answer.close()

    assert seen == [1]
    assert statuses[0] == statuses[1]


def test_a_query_too_long_for_its_parameter_is_refused_as_before(both):
    fast, _flask = both

    answer = fast.test_client().get("/rest/servicedeskapi/request?searchTerm=" + "x" * 201)

    assert answer.status_code == 400 and "searchTerm" in answer.get_json()["errorMessage"]


def test_an_upstream_that_fails_on_the_fast_path_answers_503_once(both, tickets, caplog):
    fast, flask = both
    tickets.down = True

    with caplog.at_level(logging.WARNING, logger="gateway.proxy"):
        answer = fast.test_client().post("/rest/servicedeskapi/request", data=b"{}", headers={
            "Content-Type": "application/json", "X-Request-ID": "req-9"})
    logged = [r.getMessage() for r in caplog.records]
    expected = flask.test_client().post("/rest/servicedeskapi/request", data=b"{}", headers={
        "Content-Type": "application/json", "X-Request-ID": "req-9"})

    assert answer.status_code == 503 and answer.get_json() == expected.get_json()
    assert answer.headers["X-Request-ID"] == "req-9" and answer.headers["Retry-After"]
    assert logged == ["tickets unreachable for POST /rest/servicedeskapi/request: connection refused"]


def test_a_body_shorter_than_declared_is_refused_without_reaching_the_service(both, tickets):
    fast, _flask = both
    environ = {"CONTENT_LENGTH": "10", "CONTENT_TYPE": "application/json"}

    answer = fast.test_client().post("/rest/servicedeskapi/request", data=b"{}", environ_overrides=environ)

    assert answer.status_code == 400 and tickets.requests == []


def _count(route: str, status: str) -> float:
    return REGISTRY.get_sample_value("servicedesk_http_requests_total", {
        "service": "gateway", "method": "GET", "route": route, "status": status}) or 0.0


def test_fast_requests_are_counted_under_the_proxy_route(both):
    fast, _flask = both
    before = _count("/rest/<path:path>", "200"), _count("/rest/<path:path>", "404")

    fast.test_client().get("/rest/servicedeskapi/request")
    fast.test_client().get("/rest/servicedeskapi/missing")

    assert (_count("/rest/<path:path>", "200"), _count("/rest/<path:path>", "404")) == (before[0] + 1, before[1] + 1)


def test_hsts_is_added_when_cookies_are_secure(settings, identity, tickets):
    settings = dataclasses.replace(settings, session_cookie_secure=True)
    fast = _gateway(settings, identity, tickets, True)
    flask = _gateway(settings, identity, tickets, False)

    answers = [list(app.test_client().get("/rest/servicedeskapi/request", headers={"X-Request-ID": "r"}).headers.items())
               for app in (fast, flask)]

    assert answers[0] == answers[1] and ("Strict-Transport-Security", "max-age=31536000") in answers[0]


def test_query_limits_are_checked_conservatively():
    assert query_within_limits("limit=50&start=0&expand=status,comment,action")
    assert query_within_limits("searchTerm=" + "x" * 200 + "&flag&=&")
    assert not query_within_limits("searchTerm=" + "x" * 201)
    assert not query_within_limits("q=" + "x" * (limits.QUERY_TEXT + 1))
    assert not query_within_limits("a=%00") and not query_within_limits("a\x00=1")
    assert not query_within_limits("search%54erm=1") and not query_within_limits("a+b=1")


def test_plain_headers_change_as_werkzeugs_do():
    from werkzeug.datastructures import Headers

    from gateway.fastpath import _Headers

    start = [("content-length", "9"), ("X-A", "1"), ("Content-Length", "8"), ("x-request-id", "up")]
    ours, theirs = _Headers(list(start)), Headers(list(start))
    for headers in (ours, theirs):
        headers["Content-Length"] = "5"
        headers["X-Request-ID"] = "req"
        headers["X-New"] = "n"
        headers.setdefault("x-a", "2")
        headers.setdefault("Referrer-Policy", "same-origin")

    assert ours.items == theirs.to_wsgi_list()
    assert ("X-A" in ours, "x-missing" in ours) == (True, False)
