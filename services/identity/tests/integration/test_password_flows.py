"""Forgot, reset and change password."""
from datetime import datetime, timedelta, timezone


def _forgot(api, email):
    return api.call("POST", "/api/identity/password/forgot", {"email": email})


def test_forgot_answers_the_same_for_known_and_unknown_emails(api, outbox):
    api.user("alice@example.com")
    known, unknown = _forgot(api, "alice@example.com"), _forgot(api, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    [event] = outbox("password.reset_requested.v1")
    assert event["data"]["email"] == "alice@example.com"


def test_reset_sets_the_password_once_and_ends_sessions(api, outbox):
    api.user("alice@example.com")
    session = api.login("alice@example.com")
    _forgot(api, "alice@example.com")
    token = api.link_token(outbox("password.reset_requested.v1")[0]["data"]["link"])
    new = "another sturdy passphrase"
    assert api.call("POST", "/api/identity/password/reset", {"token": token, "password": new}).status_code == 204
    assert api.call("POST", "/api/identity/refresh", {"refresh_token": session["refresh_token"]}).status_code == 401
    api.login("alice@example.com", new)
    again = api.call("POST", "/api/identity/password/reset", {"token": token, "password": "third sturdy phrase"})
    assert again.status_code == 400 and again.get_json()["code"] == "invalid_token"


def test_a_new_reset_link_kills_the_earlier_one(api, outbox):
    api.user("alice@example.com")
    _forgot(api, "alice@example.com")
    _forgot(api, "alice@example.com")
    old, new = [api.link_token(e["data"]["link"]) for e in outbox("password.reset_requested.v1")]
    assert api.call("POST", "/api/identity/password/reset",
                    {"token": old, "password": "another sturdy passphrase"}).status_code == 400
    assert api.call("POST", "/api/identity/password/reset",
                    {"token": new, "password": "another sturdy passphrase"}).status_code == 204


def test_reset_links_expire_after_an_hour(api, deps, outbox):
    api.user("alice@example.com")
    _forgot(api, "alice@example.com")
    token = api.link_token(outbox("password.reset_requested.v1")[0]["data"]["link"])
    clock = deps.clock
    deps.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=1, seconds=1)
    try:
        response = api.call("POST", "/api/identity/password/reset",
                            {"token": token, "password": "another sturdy passphrase"})
    finally:
        deps.clock = clock
    assert response.status_code == 400 and "expired" in response.get_json()["errorMessage"]


def test_empty_and_wrong_reset_tokens_are_refused(api):
    for token in ("", None, "guess"):
        response = api.call("POST", "/api/identity/password/reset",
                            {"token": token, "password": "another sturdy passphrase"})
        assert response.status_code == 400


def test_an_invitation_token_is_not_a_reset_token(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    api.call("POST", "/api/identity/invitations", {"emails": ["new@example.com"]}, agent)
    token = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    response = api.call("POST", "/api/identity/password/reset", {"token": token, "password": "another sturdy one"})
    assert response.status_code == 400


def test_forgot_is_rate_limited(api, settings):
    for _ in range(settings.forgot_limit):
        assert _forgot(api, "nobody@example.com").status_code == 202
    response = _forgot(api, "Nobody@example.com ")
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_change_password_needs_the_current_one(api):
    api.user("alice@example.com")
    tokens = api.login("alice@example.com")
    wrong = api.call("POST", "/api/identity/me/password",
                     {"currentPassword": "not it at all", "newPassword": "another sturdy passphrase"},
                     tokens["access_token"])
    assert wrong.status_code == 400 and "current password" in wrong.get_json()["errorMessage"]
    weak = api.call("POST", "/api/identity/me/password",
                    {"currentPassword": api.PASSWORD, "newPassword": "short"}, tokens["access_token"])
    assert weak.status_code == 400 and "too short" in weak.get_json()["errorMessage"]
    ok = api.call("POST", "/api/identity/me/password",
                  {"currentPassword": api.PASSWORD, "newPassword": "another sturdy passphrase"},
                  tokens["access_token"])
    assert ok.status_code == 204
    api.login("alice@example.com", "another sturdy passphrase")


def test_a_link_check_says_whether_a_link_still_works_and_uses_nothing(api, outbox):
    api.user("alice@example.com")
    _forgot(api, "alice@example.com")
    token = api.link_token(outbox("password.reset_requested.v1")[0]["data"]["link"])
    check = lambda secret, purpose="reset": api.call(  # noqa: E731
        "POST", "/api/identity/links/check", {"token": secret, "purpose": purpose}).get_json()["valid"]
    assert check(token) is True and check(token) is True  # checking twice uses nothing
    assert check(token, "invite") is False and check("not-a-token") is False
    assert api.call("POST", "/api/identity/links/check", {"purpose": "reset"}).status_code in (400, 422)
    assert api.call("POST", "/api/identity/password/reset",
                    {"token": token, "password": "another sturdy passphrase"}).status_code == 204
    assert check(token) is False


def test_forgot_for_an_invitee_who_never_accepted_sends_a_fresh_invitation(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    assert api.call("POST", "/api/identity/invitations", {"emails": ["late@example.com"]}, agent).status_code in (
        200, 201, 207)
    first = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    answer, unknown = _forgot(api, "late@example.com"), _forgot(api, "nobody@example.com")
    assert answer.status_code == unknown.status_code == 202 and answer.get_json() == unknown.get_json()
    invitations = outbox("customer.invited.v1")
    assert len(invitations) == 2 and invitations[1]["data"]["email"] == "late@example.com"
    assert outbox("password.reset_requested.v1") == []
    fresh = api.link_token(invitations[1]["data"]["link"])
    accept = {"password": "a sturdy passphrase here"}
    assert api.call("POST", "/api/identity/invitations/accept", {"token": first, **accept}).status_code == 400
    assert api.call("POST", "/api/identity/invitations/accept", {"token": fresh, **accept}).status_code in (200, 201)
    api.login("late@example.com", accept["password"])
