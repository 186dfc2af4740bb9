import base64

import httpx
import pytest

from gateway.basic_auth import BasicExchange
from common import errors

BASIC = "Basic " + base64.b64encode(b"alice@example.com:api-token-1").decode()


def exchange_answer(token="exchanged", expires_in=900):
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def test_basic_credentials_reach_the_service_as_a_bearer_token(client, identity, tickets):
    identity.on("POST", "/api/identity/tokens/exchange", exchange_answer())
    tickets.on("GET", "/rest/servicedeskapi/request", {"values": []})

    response = client.get("/rest/servicedeskapi/request", headers={"Authorization": BASIC})

    assert response.status_code == 200
    assert identity.last("/tokens/exchange").headers["Authorization"] == BASIC
    assert tickets.last().headers["Authorization"] == "Bearer exchanged"


def test_an_exchanged_token_is_reused_within_the_cache_window(client, identity, tickets):
    identity.on("POST", "/api/identity/tokens/exchange", exchange_answer())
    tickets.on("GET", "/rest/servicedeskapi/info", {})

    for _ in range(3):
        client.get("/rest/servicedeskapi/info", headers={"Authorization": BASIC})

    assert len([r for r in identity.requests if r.url.path.endswith("/exchange")]) == 1


def test_the_cache_expires_after_its_ttl():
    now = [1000.0]
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, json=exchange_answer(f"t{len(calls)}"))

    exchange = BasicExchange(httpx.Client(base_url="http://identity", transport=httpx.MockTransport(handler)),
                             ttl=60, clock=lambda: now[0])
    assert exchange.bearer_for(BASIC) == "t1"
    now[0] += 59
    assert exchange.bearer_for(BASIC) == "t1"
    now[0] += 2
    assert exchange.bearer_for(BASIC) == "t2"


def test_the_cache_never_outlives_the_token():
    exchange = BasicExchange(httpx.Client(base_url="http://identity", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json=exchange_answer(expires_in=5)))), ttl=60, clock=lambda: 0.0)
    exchange.bearer_for(BASIC)
    assert all(until <= 0.0 for _t, until in exchange._cache.values())


def test_different_credentials_are_exchanged_separately(client, identity, tickets):
    identity.on("POST", "/api/identity/tokens/exchange",
                lambda r: httpx.Response(200, json=exchange_answer(r.headers["Authorization"][-4:])))
    tickets.on("GET", "/rest/servicedeskapi/info", {})
    other = "Basic " + base64.b64encode(b"bob@example.com:tok-2").decode()

    client.get("/rest/servicedeskapi/info", headers={"Authorization": BASIC})
    client.get("/rest/servicedeskapi/info", headers={"Authorization": other})

    assert [r.headers["Authorization"] for r in tickets.requests] == [
        "Bearer " + BASIC[-4:], "Bearer " + other[-4:]]


def test_refused_credentials_answer_401_without_reaching_the_service(client, identity, tickets):
    identity.on("POST", "/api/identity/tokens/exchange",
                {"errorMessage": "Invalid email or API token."}, status=401)

    response = client.get("/rest/servicedeskapi/request", headers={"Authorization": BASIC})

    assert response.status_code == 401
    assert response.get_json()["errorMessage"] == "Invalid email or API token."
    assert tickets.requests == []


def test_identity_without_the_exchange_endpoint_means_401(client, identity, tickets):
    response = client.get("/rest/servicedeskapi/request", headers={"Authorization": BASIC})

    assert response.status_code == 401
    assert response.get_json()["i18nErrorMessage"]["i18nKey"] == "servicedesk.error.unauthorized"
    assert "WWW-Authenticate" in response.headers
    assert tickets.requests == []


def test_identity_down_during_exchange_is_503(client, identity):
    identity.down = True

    response = client.get("/rest/servicedeskapi/request", headers={"Authorization": BASIC})

    assert response.status_code == 503


def test_the_exchange_endpoint_itself_receives_basic_unchanged(client, identity):
    identity.on("POST", "/api/identity/tokens/exchange", exchange_answer())

    client.post("/api/identity/tokens/exchange", headers={"Authorization": BASIC})

    assert [r.headers["Authorization"] for r in identity.requests] == [BASIC]


def test_only_a_hash_of_the_credentials_is_kept():
    exchange = BasicExchange(httpx.Client(base_url="http://identity", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json=exchange_answer()))))
    exchange.bearer_for(BASIC)
    assert all("api-token" not in key and BASIC not in key for key in exchange._cache)


@pytest.mark.parametrize("status, error", [(403, errors.Forbidden), (429, errors.TooManyRequests)])
def test_other_refusals_keep_their_status(status, error):
    exchange = BasicExchange(httpx.Client(base_url="http://identity", transport=httpx.MockTransport(
        lambda r: httpx.Response(status, json={"errorMessage": "no"}))))
    with pytest.raises(error):
        exchange.bearer_for(BASIC)
