"""Profile, API tokens and their exchange, sign-up."""
import base64


def _basic(email: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}


def test_me_can_change_name_language_and_time_zone(api, outbox):
    token = api.token_for("alice@example.com")
    response = api.call("PATCH", "/api/identity/me",
                        {"displayName": "Alice L.", "language": "fr", "timeZone": "Europe/Paris"}, token)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["displayName"], body["language"], body["timeZone"]) == ("Alice L.", "fr", "Europe/Paris")
    [event] = outbox("account.updated.v1")
    assert event["data"]["language"] == "fr"
    for language in ("de", "es"):  # every language of common.i18n.LANGUAGES, not only en/fr
        chosen = api.call("PATCH", "/api/identity/me", {"language": language}, token)
        assert chosen.status_code == 200 and chosen.get_json()["language"] == language
    bad = api.call("PATCH", "/api/identity/me", {"language": "xx"}, token)
    assert bad.status_code == 400 and "language" in bad.get_json()["errorMessage"]
    assert api.call("PATCH", "/api/identity/me", {"email": "x@example.com"}, token).status_code == 400


def test_api_tokens_are_shown_once_and_exchange_for_access_tokens(api):
    session = api.token_for("alice@example.com")
    created = api.call("POST", "/api/identity/me/tokens", {"label": "CI script"}, session)
    assert created.status_code == 201
    secret = created.get_json()["token"]
    listed = api.call("GET", "/api/identity/me/tokens", token=session).get_json()["values"]
    assert [t["label"] for t in listed] == ["CI script"] and "token" not in listed[0]
    assert listed[0]["lastUsedAt"] is None

    exchanged = api.call("POST", "/api/identity/tokens/exchange", headers=_basic("Alice@Example.com", secret))
    assert exchanged.status_code == 200
    access = exchanged.get_json()["access_token"]
    assert exchanged.get_json()["expires_in"] == 900
    assert api.call("GET", "/api/identity/me", token=access).get_json()["email"] == "alice@example.com"
    assert api.call("GET", "/api/identity/me/tokens", token=session).get_json()["values"][0]["lastUsedAt"]

    assert api.call("DELETE", f"/api/identity/me/tokens/{listed[0]['id']}", token=session).status_code == 204
    revoked = api.call("POST", "/api/identity/tokens/exchange", headers=_basic("alice@example.com", secret))
    assert revoked.status_code == 401


def test_exchange_refuses_bad_credentials(api):
    session = api.token_for("alice@example.com")
    secret = api.call("POST", "/api/identity/me/tokens", {"label": "x"}, session).get_json()["token"]
    api.user("bob@example.com")
    for headers in ({}, {"Authorization": "Basic !!!"}, _basic("bob@example.com", secret),
                    _basic("alice@example.com", "sdt_wrong"), {"Authorization": "Bearer x"}):
        assert api.call("POST", "/api/identity/tokens/exchange", headers=headers).status_code == 401


def test_sign_up_verifies_the_email_before_the_account_exists(api, outbox):
    started = api.call("POST", "/api/identity/signup", {"email": "ext@example.com"},
                       headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert started.status_code == 202
    [event] = outbox("customer.signed_up.v1")
    assert event["data"]["language"] == "fr"
    assert event["data"]["link"].startswith("http://portal.test/portal/signup/confirm?token=")
    assert outbox("account.created.v1") == []
    refused = api.call("POST", "/api/identity/login", {"email": "ext@example.com", "password": api.PASSWORD})
    assert refused.status_code == 401

    token = api.link_token(event["data"]["link"])
    confirmed = api.call("POST", "/api/identity/signup/confirm",
                         {"token": token, "password": api.PASSWORD, "displayName": "Ext"})
    assert confirmed.status_code == 200 and confirmed.get_json()["kind"] == "external"
    [created] = outbox("account.created.v1")
    assert created["data"]["kind"] == "external" and created["data"]["language"] == "fr"
    api.login("ext@example.com")
    assert api.call("POST", "/api/identity/signup/confirm",
                    {"token": token, "password": api.PASSWORD}).status_code == 400


def test_sign_up_of_a_known_email_answers_the_same_and_sends_a_reset_link(api, outbox):
    api.user("alice@example.com")
    known = api.call("POST", "/api/identity/signup", {"email": "alice@example.com"})
    new = api.call("POST", "/api/identity/signup", {"email": "someone-new@example.com"})
    assert known.status_code == new.status_code == 202 and known.get_json() == new.get_json()
    assert [e["data"]["email"] for e in outbox("password.reset_requested.v1")] == ["alice@example.com"]


def test_sign_up_can_be_switched_off(api, deps):
    import dataclasses

    original = deps.settings
    deps.settings = dataclasses.replace(original, signup_enabled=False)
    try:
        response = api.call("POST", "/api/identity/signup", {"email": "ext@example.com"})
    finally:
        deps.settings = original
    assert response.status_code == 404 and "turned off" in response.get_json()["errorMessage"]


def test_sign_up_is_rate_limited(api, settings):
    for n in range(settings.signup_limit):
        api.call("POST", "/api/identity/signup", {"email": "flood@example.com"})
    assert api.call("POST", "/api/identity/signup", {"email": "flood@example.com"}).status_code == 429
