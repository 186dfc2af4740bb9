"""Issue 9's security items on identity: email rule, staff names, lock-out, API tokens, shared counters."""
import base64
import uuid

import pytest

from common.testing import redis_server_url
from identity.app import create_app


def test_identity_refuses_addresses_the_notifier_could_not_mail(api, outbox):
    agent = api.token_for("admin@example.com", "admin")
    for bad in ("alice@example.com.", "alİce@example.com"):
        signup = api.call("POST", "/api/identity/signup", {"email": bad})
        assert signup.status_code == 400 and "not a valid email address" in signup.get_json()["errorMessage"]
        invited = api.call("POST", "/api/identity/invitations", {"emails": [bad]}, agent)
        assert invited.status_code == 400
    assert outbox("customer.invited.v1") == [] and outbox("customer.signed_up.v1") == []


def test_a_domain_and_its_punycode_form_are_one_mailbox(api):
    agent = api.token_for("admin@example.com", "admin")
    first = api.call("POST", "/api/identity/invitations", {"emails": ["Zoe@Bücher.de"]}, agent).get_json()
    again = api.call("POST", "/api/identity/invitations", {"emails": ["zoe@xn--bcher-kva.de"]}, agent).get_json()
    [one], [two] = first["invitations"], again["invitations"]
    assert one["accountId"] == two["accountId"] and one["email"] == "zoe@xn--bcher-kva.de"
    assert two["action"] == "reinvited"


def test_customers_cannot_take_a_name_that_passes_for_staff(api):
    api.user("agent@example.com", "agent", name="Alex Agent")
    customer = api.token_for("mallory@example.com")
    for name in ("Alex Agent", "alex  AGENT", "Support", "Аdmin"):
        refused = api.call("PATCH", "/api/identity/me", {"displayName": name}, customer)
        assert refused.status_code == 400 and refused.get_json()["errors"]["displayName"], name
    assert api.call("PATCH", "/api/identity/me", {"displayName": "Mallory Example"}, customer).status_code == 200
    staff = api.token_for("second-agent@example.com", "agent")
    assert api.call("PATCH", "/api/identity/me", {"displayName": "Support Bot"}, staff).status_code == 200


def test_an_invitee_cannot_accept_with_a_staff_name(api, outbox):
    agent = api.token_for("admin@example.com", "admin")
    api.call("POST", "/api/identity/invitations", {"emails": ["new@example.com"]}, agent)
    token = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    refused = api.call("POST", "/api/identity/invitations/accept",
                       {"token": token, "password": api.PASSWORD, "displayName": "Service Desk"})
    assert refused.status_code == 400


def _login(api, email, password, address):
    return api.call("POST", "/api/identity/login", {"email": email, "password": password},
                    headers={"X-Forwarded-For": address})


def test_a_stranger_cannot_lock_an_account_out(api, deps):
    api.user("alice@example.com")
    limit = deps.settings.login_limit
    for _ in range(limit):
        assert _login(api, "alice@example.com", "wrong guess", "203.0.113.9").status_code == 401
    # The guesser's address is done for this account, even with the right password...
    assert _login(api, "alice@example.com", api.PASSWORD, "203.0.113.9").status_code == 429
    # ...and the owner, from anywhere else, gets in.
    assert _login(api, "alice@example.com", api.PASSWORD, "198.51.100.7").status_code == 200


def _basic(email, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}


def test_a_valid_api_token_is_never_refused_for_someone_elses_failures(api, deps):
    api.user("bot@example.com")
    access = api.login("bot@example.com")["access_token"]
    secret = api.call("POST", "/api/identity/me/tokens", {"label": "ci"}, access).get_json()["token"]
    for address in ("203.0.113.9", "198.51.100.7"):
        for _ in range(deps.settings.login_limit + 2):
            api.call("POST", "/api/identity/tokens/exchange",
                     headers={**_basic("bot@example.com", "sdt_wrong"), "X-Forwarded-For": address})
    wrong = api.call("POST", "/api/identity/tokens/exchange",
                     headers={**_basic("bot@example.com", "sdt_wrong"), "X-Forwarded-For": "203.0.113.9"})
    assert wrong.status_code == 429
    for address in ("203.0.113.9", "198.51.100.7"):
        right = api.call("POST", "/api/identity/tokens/exchange",
                         headers={**_basic("bot@example.com", secret), "X-Forwarded-For": address})
        assert right.status_code == 200, right.get_json()


def test_workers_share_their_counters_through_redis(settings):
    """Two identity processes (apps) on one Redis count failures together, not each on its own."""
    from dataclasses import replace

    url = redis_server_url()
    shared = replace(settings, redis_url=url, bus_prefix=f"test-{uuid.uuid4().hex}.", login_limit=3)
    first, second = create_app(shared), create_app(shared)
    try:
        from identity.services import accounts

        accounts.create_account(first.extensions["identity"], email="carol@example.com", password="a sturdy passphrase")
        clients = [first.test_client(), second.test_client()]
        answers = [clients[n % 2].post("/api/identity/login", json={"email": "carol@example.com", "password": "x"},
                                       headers={"X-Forwarded-For": "203.0.113.5"}).status_code for n in range(5)]
        assert answers == [401, 401, 401, 429, 429]
    finally:
        for app in (first, second):
            app.extensions["db_engine"].dispose()
