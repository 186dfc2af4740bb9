import gzip

import httpx


def test_forwards_to_the_upstream_that_owns_the_path(client, identity, tickets):
    tickets.on("GET", "/rest/servicedeskapi/info", {"version": "1"})
    identity.on("POST", "/api/identity/login", {"access_token": "t"})

    assert client.get("/rest/servicedeskapi/info").get_json() == {"version": "1"}
    assert client.post("/api/identity/login", json={"email": "a@example.com"}).get_json() == {"access_token": "t"}
    assert [r.url.path for r in tickets.requests] == ["/rest/servicedeskapi/info"]
    assert [r.url.path for r in identity.requests] == ["/api/identity/login"]


def test_passes_method_query_body_and_status_through(client, tickets):
    tickets.on("POST", "/rest/servicedeskapi/request", {"issueKey": "AM-1"}, status=201)

    response = client.post("/rest/servicedeskapi/request?expand=status&x=1&x=2",
                           json={"serviceDeskId": "1", "summary": "é"})

    assert response.status_code == 201
    assert response.get_json() == {"issueKey": "AM-1"}
    sent = tickets.last()
    assert sent.url.query == b"expand=status&x=1&x=2"
    assert tickets.json_of() == {"serviceDeskId": "1", "summary": "é"}


def test_forwards_auth_language_content_type_and_sets_forwarding_headers(client, tickets):
    tickets.on("POST", "/api/tickets/queues", {})

    client.post("/api/tickets/queues", data=b"{}", headers={
        "Authorization": "Bearer abc", "Accept-Language": "fr-FR", "Content-Type": "application/json",
        "X-Request-ID": "req-42", "Cookie": "sd_session=secret", "X-Forwarded-For": "6.6.6.6",
        "Host": "desk.example.com",
    })

    headers = tickets.last().headers
    assert headers["Authorization"] == "Bearer abc"
    assert headers["Accept-Language"] == "fr-FR"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Request-ID"] == "req-42"
    assert headers["X-Forwarded-For"] == "127.0.0.1"  # a client's own claim is not trusted
    assert headers["X-Forwarded-Host"] == "desk.example.com"
    assert headers["X-Forwarded-Proto"] == "http"
    assert "cookie" not in headers


def test_generates_a_request_id_when_the_client_sends_none(client, tickets):
    tickets.on("GET", "/rest/servicedeskapi/info", {})

    response = client.get("/rest/servicedeskapi/info")

    sent_id = tickets.last().headers["X-Request-ID"]
    assert len(sent_id) >= 16
    assert response.headers["X-Request-ID"] == sent_id


def test_strips_hop_by_hop_headers_both_ways(client, tickets):
    tickets.on("GET", "/rest/servicedeskapi/info", {}, headers={
        "Connection": "close, X-Secret-Hop", "X-Secret-Hop": "1", "Keep-Alive": "timeout=5", "X-Kept": "yes",
    })

    response = client.get("/rest/servicedeskapi/info", headers={
        "Connection": "keep-alive, X-Client-Hop", "X-Client-Hop": "1", "TE": "trailers",
        "Proxy-Authorization": "Basic eA==", "Upgrade": "h2c",
    })

    sent = tickets.last().headers
    for name in ("te", "proxy-authorization", "upgrade", "x-client-hop"):
        assert name not in sent
    assert "X-Secret-Hop" not in response.headers
    assert "Keep-Alive" not in response.headers
    assert response.headers["X-Kept"] == "yes"


def test_streams_the_upstream_body_unchanged(client, tickets):
    payload = gzip.compress(b'{"values": []}' * 1000)
    tickets.on("GET", "/rest/servicedeskapi/request",
               lambda r: httpx.Response(200, content=payload,
                                        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}))

    response = client.get("/rest/servicedeskapi/request")

    assert response.headers["Content-Encoding"] == "gzip"
    assert response.data == payload


def test_upstream_down_answers_503_in_the_jsm_error_shape(client, tickets):
    tickets.down = True

    response = client.get("/rest/servicedeskapi/request")

    assert response.status_code == 503
    body = response.get_json()
    assert "tickets service is unavailable" in body["errorMessage"]
    assert body["code"] == "service_unavailable"
    assert body["i18nErrorMessage"]["i18nKey"] == "servicedesk.error.service_unavailable"
    assert response.headers["Retry-After"]


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert "errorMessage" in response.get_json()


def test_api_posts_need_no_csrf_token(client, identity):
    identity.on("POST", "/api/identity/signup", None, status=202)

    assert client.post("/api/identity/signup", json={"email": "x@example.com"}).status_code == 202


def test_upstream_errors_pass_through_untouched(client, tickets):
    tickets.on("GET", "/rest/servicedeskapi/request/AM-9", {"errorMessage": "No such request"}, status=404)

    response = client.get("/rest/servicedeskapi/request/AM-9")

    assert response.status_code == 404
    assert response.get_json() == {"errorMessage": "No such request"}


def test_readiness_reports_each_upstream(client, identity, tickets):
    identity.on("GET", "/readyz", {"status": "ok"})
    tickets.down = True

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["checks"] == {"identity": "ok", "tickets": "unavailable"}
    assert client.get("/healthz").status_code == 200


def test_readiness_follows_the_readiness_of_the_services_behind_it(client, identity, tickets):
    identity.on("GET", "/readyz", {"status": "ok"})
    tickets.on("GET", "/readyz", {"status": "unavailable", "checks": {"database": "unavailable"}}, status=503)

    assert client.get("/readyz").get_json()["checks"] == {"identity": "ok", "tickets": "unavailable"}


def test_pages_carry_security_headers_and_api_answers_do_not_get_a_csp(client, tickets):
    tickets.on("GET", "/rest/servicedeskapi/info", {})

    page = client.get("/portal/login")
    api = client.get("/rest/servicedeskapi/info")

    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in api.headers


def test_static_css_is_served(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200
    assert b"@media" in response.data


def test_a_body_past_the_shared_limit_is_refused_before_it_is_forwarded(client, tickets):
    from common import limits

    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/comment", {}, status=201)
    response = client.post("/rest/servicedeskapi/request/AM-1/comment", data=b"x" * (limits.MAX_BODY_BYTES + 1),
                           content_type="application/json")
    assert response.status_code == 413 and "1 MiB" in response.get_json()["errorMessage"]
    assert tickets.requests == []
