"""The walking-skeleton flow: invite -> outbox row with link -> accept -> login -> me."""
from common.contracts import validate_payload
from common.events import CloudEvent



def test_invite_accept_login_me(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    response = api.call("POST", "/api/identity/invitations", {"emails": ["New.Customer@Example.com"]}, agent)
    assert response.status_code == 201
    [invitation] = response.get_json()["invitations"]
    assert invitation["email"] == "new.customer@example.com" and invitation["state"] == "pending"

    [created] = [e for e in outbox("account.created.v1") if e["data"]["email"] == "new.customer@example.com"]
    [invited] = outbox("customer.invited.v1")
    for event in (created, invited):
        validate_payload(CloudEvent.from_dict(event))
    assert invited["subject"] == invitation["accountId"]
    assert invited["data"]["link"].startswith("http://portal.test/portal/invitation?token=")

    accepted = api.call("POST", "/api/identity/invitations/accept",
                        {"token": api.link_token(invited["data"]["link"]), "password": api.PASSWORD,
                         "displayName": "Nora Customer"})
    assert accepted.status_code == 200, accepted.get_json()

    tokens = api.login("NEW.customer@example.com")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    me = api.call("GET", "/api/identity/me", token=tokens["access_token"]).get_json()
    assert me["email"] == "new.customer@example.com"
    assert me["displayName"] == "Nora Customer" and me["kind"] == "internal" and me["role"] == "customer"
    [updated] = outbox("account.updated.v1")
    assert updated["data"]["displayName"] == "Nora Customer"


def test_the_access_token_verifies_with_the_published_jwks(api):
    import jwt

    token = api.token_for("carol@example.com")
    jwks = api.call("GET", "/api/identity/.well-known/jwks.json").get_json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="servicedesk")
    assert claims["email"] == "carol@example.com" and claims["role"] == "customer"


def test_customers_cannot_invite(api):
    customer = api.token_for("alice@example.com")
    response = api.call("POST", "/api/identity/invitations", {"emails": ["x@example.com"]}, customer)
    assert response.status_code == 403


def test_invitations_need_a_token(api):
    assert api.call("POST", "/api/identity/invitations", {"emails": ["x@example.com"]}).status_code == 401


def test_bad_emails_are_named(api):
    agent = api.token_for("agent@example.com", "agent")
    response = api.call("POST", "/api/identity/invitations", {"emails": ["ok@example.com", "nope"]}, agent)
    assert response.status_code == 400
    assert "nope" in response.get_json()["errorMessage"]
    response = api.call("POST", "/api/identity/invitations", {"emails": []}, agent)
    assert response.status_code == 400


def test_an_invitation_link_works_once(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    api.call("POST", "/api/identity/invitations", {"emails": ["once@example.com"]}, agent)
    token = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    first = api.call("POST", "/api/identity/invitations/accept", {"token": token, "password": api.PASSWORD})
    assert first.status_code == 200
    again = api.call("POST", "/api/identity/invitations/accept", {"token": token, "password": api.PASSWORD + "x"})
    assert again.status_code == 400 and "already been used" in again.get_json()["errorMessage"]


def test_empty_and_wrong_invitation_tokens_are_refused(api):
    for token in ("", None, "   ", "not-a-token"):
        response = api.call("POST", "/api/identity/invitations/accept", {"token": token, "password": api.PASSWORD})
        assert response.status_code == 400
        assert response.get_json()["code"] == "invalid_token"


def test_an_expired_invitation_is_refused(api, deps, outbox):
    from datetime import datetime, timedelta, timezone

    agent = api.token_for("agent@example.com", "agent")
    api.call("POST", "/api/identity/invitations", {"emails": ["late@example.com"]}, agent)
    token = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    clock = deps.clock
    deps.clock = lambda: datetime.now(timezone.utc) + timedelta(days=7, seconds=1)
    try:
        response = api.call("POST", "/api/identity/invitations/accept", {"token": token, "password": api.PASSWORD})
    finally:
        deps.clock = clock
    assert response.status_code == 400 and "expired" in response.get_json()["errorMessage"]


def test_a_weak_password_is_refused_with_the_reason_and_the_link_still_works(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    api.call("POST", "/api/identity/invitations", {"emails": ["weak@example.com"]}, agent)
    token = api.link_token(outbox("customer.invited.v1")[0]["data"]["link"])
    response = api.call("POST", "/api/identity/invitations/accept", {"token": token, "password": "password1"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_json()["errorMessage"]
    assert api.call("POST", "/api/identity/invitations/accept",
                    {"token": token, "password": api.PASSWORD}).status_code == 200


def test_resending_kills_the_old_link(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    first = api.call("POST", "/api/identity/invitations", {"emails": ["again@example.com"]}, agent).get_json()
    account_id = first["invitations"][0]["accountId"]
    resent = api.call("POST", f"/api/identity/invitations/{account_id}/resend", token=agent)
    assert resent.status_code == 200 and resent.get_json()["action"] == "reinvited"
    old, new = [api.link_token(e["data"]["link"]) for e in outbox("customer.invited.v1")]
    response = api.call("POST", "/api/identity/invitations/accept", {"token": old, "password": api.PASSWORD})
    assert response.status_code == 400 and "newer" in response.get_json()["errorMessage"]
    assert api.call("POST", "/api/identity/invitations/accept", {"token": new, "password": api.PASSWORD}).status_code == 200
    listed = api.call("GET", "/api/identity/invitations", token=agent).get_json()
    assert [v["state"] for v in listed["values"] if v["email"] == "again@example.com"] == ["accepted"]


def test_inviting_an_existing_account_sends_a_reset_link(api, outbox):
    # An admin reaches every account (an agent only those their desks touch: test_agent_scope.py).
    agent = api.token_for("agent@example.com", "admin")
    api.user("known@example.com")
    response = api.call("POST", "/api/identity/invitations", {"emails": ["known@example.com"]}, agent).get_json()
    assert response["invitations"][0]["action"] == "reset_link_sent"
    [reset] = outbox("password.reset_requested.v1")
    assert reset["data"]["link"].startswith("http://portal.test/portal/reset-password?token=")
    assert outbox("customer.invited.v1") == []
