"""Login, rotating refresh tokens, reuse detection, logout, deactivation."""
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone


def _refresh(api, token):
    return api.call("POST", "/api/identity/refresh", {"refresh_token": token})


@contextmanager
def clock_ahead(deps, seconds):
    clock = deps.clock
    deps.clock = lambda: datetime.now(timezone.utc) + timedelta(seconds=seconds)
    try:
        yield
    finally:
        deps.clock = clock


def test_refresh_rotates_and_reuse_after_the_grace_window_revokes_the_family(api, deps, settings):
    api.user("alice@example.com")
    first = api.login("alice@example.com")
    second = _refresh(api, first["refresh_token"])
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"]

    with clock_ahead(deps, settings.refresh_reuse_grace + 1):
        assert _refresh(api, first["refresh_token"]).status_code == 401
        # The legitimate holder's newer token died with the family.
        assert _refresh(api, second["refresh_token"]).status_code == 401


def test_two_refreshes_at_once_with_one_token_both_succeed(api):
    api.user("alice@example.com")
    first = api.login("alice@example.com")
    one, two = _refresh(api, first["refresh_token"]), _refresh(api, first["refresh_token"])
    assert one.status_code == two.status_code == 200
    one, two = one.get_json(), two.get_json()
    assert one["refresh_token"] != two["refresh_token"]
    # Both siblings stay usable: the family was not revoked.
    assert _refresh(api, one["refresh_token"]).status_code == 200
    assert _refresh(api, two["refresh_token"]).status_code == 200


def test_reuse_of_an_older_token_within_the_grace_window_revokes_the_family(api):
    api.user("alice@example.com")
    first = api.login("alice@example.com")
    second = _refresh(api, first["refresh_token"]).get_json()
    third = _refresh(api, second["refresh_token"]).get_json()
    # ``first`` is no longer the immediately superseded link: its successor was rotated too.
    assert _refresh(api, first["refresh_token"]).status_code == 401
    assert _refresh(api, third["refresh_token"]).status_code == 401


def test_no_grace_after_logout(api):
    api.user("alice@example.com")
    first = api.login("alice@example.com")
    second = _refresh(api, first["refresh_token"]).get_json()
    assert api.call("POST", "/api/identity/logout", {"refresh_token": second["refresh_token"]}).status_code == 204
    assert _refresh(api, first["refresh_token"]).status_code == 401


def test_empty_and_unknown_refresh_tokens_are_refused(api):
    for value in ("", None, "made-up"):
        assert api.call("POST", "/api/identity/refresh", {"refresh_token": value}).status_code == 401


def test_logout_revokes_the_refresh_token(api):
    api.user("alice@example.com")
    tokens = api.login("alice@example.com")
    assert api.call("POST", "/api/identity/logout", {"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert api.call("POST", "/api/identity/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_logout_with_a_bearer_token_ends_every_session(api):
    api.user("alice@example.com")
    one, two = api.login("alice@example.com"), api.login("alice@example.com")
    assert api.call("POST", "/api/identity/logout", token=one["access_token"]).status_code == 204
    assert api.call("POST", "/api/identity/refresh", {"refresh_token": two["refresh_token"]}).status_code == 401


def test_a_malformed_refresh_token_on_logout_is_a_400_and_ends_no_session(api):
    api.user("alice@example.com")
    tokens = api.login("alice@example.com")
    for value in (0, "  ", [], {"a": 1}):
        response = api.call("POST", "/api/identity/logout", {"refresh_token": value}, token=tokens["access_token"])
        assert response.status_code == 400, value
        assert "refresh_token" in response.get_json()["errors"]
    assert api.call("POST", "/api/identity/logout", [1], token=tokens["access_token"]).status_code == 400
    assert api.call("POST", "/api/identity/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 200


def test_nul_characters_and_oversized_numbers_are_400s_naming_the_input(api):
    token = api.token_for("agent@example.com", "agent")
    login = api.call("POST", "/api/identity/login", {"email": "a\u0000@example.com", "password": "x"})
    assert login.status_code == 400 and login.get_json()["errors"] == {"email": ["Contains a NUL character (\\u0000)."]}
    search = api.call("GET", "/api/identity/accounts?query=a%00b", token=token)
    assert search.status_code == 400 and "'query'" in search.get_json()["errorMessage"]
    page = api.call("GET", "/api/identity/invitations?start=10000000000000000001", token=token)
    assert page.status_code == 400 and "'start'" in page.get_json()["errorMessage"]


def test_wrong_password_and_unknown_email_get_the_same_answer(api):
    api.user("alice@example.com")
    wrong = api.call("POST", "/api/identity/login", {"email": "alice@example.com", "password": "not the password"})
    unknown = api.call("POST", "/api/identity/login", {"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_a_pending_invitee_cannot_log_in(api):
    agent = api.token_for("agent@example.com", "agent")
    api.call("POST", "/api/identity/invitations", {"emails": ["pending@example.com"]}, agent)
    response = api.call("POST", "/api/identity/login", {"email": "pending@example.com", "password": ""})
    assert response.status_code == 401


def test_login_is_rate_limited_per_email(api, settings):
    api.user("alice@example.com")
    for _ in range(settings.login_limit):
        api.call("POST", "/api/identity/login", {"email": "alice@example.com", "password": "wrong password"})
    blocked = api.call("POST", "/api/identity/login", {"email": " ALICE@example.com", "password": api.PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_login_is_rate_limited_per_client_address(api, settings, deps):
    deps.limiter.address_limit = 3
    try:
        for n in range(3):
            api.call("POST", "/api/identity/login", {"email": f"u{n}@example.com", "password": "wrong password"},
                     headers={"X-Forwarded-For": "203.0.113.7"})
        blocked = api.call("POST", "/api/identity/login", {"email": "other@example.com", "password": "x"},
                           headers={"X-Forwarded-For": "203.0.113.7"})
        other = api.call("POST", "/api/identity/login", {"email": "other@example.com", "password": "x"},
                         headers={"X-Forwarded-For": "203.0.113.8"})
    finally:
        deps.limiter.address_limit = settings.address_limit
    assert blocked.status_code == 429 and other.status_code == 401


def test_deactivation_ends_sessions_and_emits_account_updated(api, outbox):
    agent = api.token_for("agent@example.com", "admin")
    customer = api.user("alice@example.com")
    tokens = api.login("alice@example.com")
    response = api.call("POST", f"/api/identity/accounts/{customer.id}/deactivate", token=agent)
    assert response.status_code == 200 and response.get_json()["active"] is False
    [updated] = outbox("account.updated.v1")
    assert updated["data"]["active"] is False and updated["subject"] == customer.id
    assert api.call("GET", "/api/identity/me", token=tokens["access_token"]).status_code == 401
    assert api.call("POST", "/api/identity/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
    refused = api.call("POST", "/api/identity/login", {"email": "alice@example.com", "password": api.PASSWORD})
    assert refused.status_code == 401 and "deactivated" in refused.get_json()["errorMessage"]


def test_agents_cannot_deactivate_admins_and_customers_cannot_deactivate_anyone(api, deps):
    agent = api.token_for("agent@example.com", "agent")
    admin = api.user("admin@example.com", "admin")
    # An admin outside the agent's desks is out of reach; one working on the same desk is not theirs to stop.
    assert api.call("POST", f"/api/identity/accounts/{admin.id}/deactivate", token=agent).status_code == 404
    with deps.uow() as uow:
        agent_id = uow.repo.account_by_email("agent@example.com").id
        uow.repo.set_desk_agents(1, [agent_id, admin.id])
        uow.commit()
    assert api.call("POST", f"/api/identity/accounts/{admin.id}/deactivate", token=agent).status_code == 403
    customer = api.token_for("alice@example.com")
    assert api.call("POST", f"/api/identity/accounts/{admin.id}/deactivate", token=customer).status_code == 403


def test_agents_search_customers(api):
    agent = api.token_for("agent@example.com", "admin")
    api.user("alice@example.com", name="Alice Liddell")
    api.user("bob@example.com", name="Bob Builder")
    found = api.call("GET", "/api/identity/accounts?query=lidd", token=agent).get_json()
    assert [v["email"] for v in found["values"]] == ["alice@example.com"]
    everyone = api.call("GET", "/api/identity/accounts?limit=1", token=agent).get_json()
    assert everyone["size"] == 1 and everyone["isLastPage"] is False
