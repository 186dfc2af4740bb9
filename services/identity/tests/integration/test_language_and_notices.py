"""Language before login (body, Accept-Language, inviter) and the password-changed notice."""
from identity.services import accounts

INVITE = "/api/identity/invitations"


def _agent(api, language="en"):
    accounts.create_account(api.deps, email="agent@example.com", password=api.PASSWORD, role="agent",
                            language=language)
    return api.login("agent@example.com")["access_token"]


def _account(api, email):
    with api.deps.uow() as uow:
        return uow.repo.account_by_email(email)


def test_sign_up_takes_accept_language_and_the_account_keeps_it(api, outbox):
    api.call("POST", "/api/identity/signup", {"email": "zoe@example.com"},
             headers={"Accept-Language": "it-IT, fr-CA;q=0.8, en;q=0.5"})
    [event] = outbox("customer.signed_up.v1")
    assert event["data"]["language"] == "fr"
    token = api.link_token(event["data"]["link"])
    confirmed = api.call("POST", "/api/identity/signup/confirm", {"token": token, "password": api.PASSWORD})
    assert confirmed.get_json()["language"] == "fr"


def test_the_body_language_wins_over_the_header(api, outbox):
    api.call("POST", "/api/identity/signup", {"email": "zoe@example.com", "language": "en"},
             headers={"Accept-Language": "fr"})
    assert outbox("customer.signed_up.v1")[0]["data"]["language"] == "en"


def test_an_unsupported_body_language_is_refused_with_a_reason(api):
    response = api.call("POST", "/api/identity/signup", {"email": "zoe@example.com", "language": "xx"})
    assert response.status_code == 400 and "language" in response.get_json()["errorMessage"]


def test_invitations_fall_back_to_the_inviters_language(api, outbox):
    agent = _agent(api, "fr")
    api.call("POST", INVITE, {"emails": ["a@example.com"]}, agent)
    api.call("POST", INVITE, {"emails": ["b@example.com"]}, agent, headers={"Accept-Language": "en-GB"})
    api.call("POST", INVITE, {"emails": ["c@example.com"], "language": "en"}, agent,
             headers={"Accept-Language": "fr"})
    languages = {e["data"]["email"]: e["data"]["language"] for e in outbox("customer.invited.v1")}
    assert languages == {"a@example.com": "fr", "b@example.com": "en", "c@example.com": "en"}
    assert _account(api, "a@example.com").language == "fr"


def test_jsm_create_customer_uses_the_header_else_the_agent(api, outbox):
    agent = _agent(api, "fr")
    api.call("POST", "/rest/servicedeskapi/customer", {"email": "a@example.com", "displayName": "A"}, agent)
    api.call("POST", "/rest/servicedeskapi/customer", {"email": "b@example.com", "displayName": "B"}, agent,
             headers={"Accept-Language": "en"})
    languages = {e["data"]["email"]: e["data"]["language"] for e in outbox("customer.invited.v1")}
    assert languages == {"a@example.com": "fr", "b@example.com": "en"}


def test_reinviting_a_pending_invitee_in_another_language_updates_it(api, outbox):
    agent = _agent(api)
    api.call("POST", INVITE, {"emails": ["a@example.com"]}, agent)
    api.call("POST", INVITE, {"emails": ["a@example.com"], "language": "fr"}, agent)
    assert outbox("customer.invited.v1")[-1]["data"]["language"] == "fr"
    assert outbox("account.updated.v1")[-1]["data"]["language"] == "fr"


def test_forgot_password_mail_follows_the_form_language_without_changing_the_account(api, outbox):
    api.user("alice@example.com")
    api.call("POST", "/api/identity/password/forgot", {"email": "alice@example.com"},
             headers={"Accept-Language": "fr"})
    assert outbox("password.reset_requested.v1")[0]["data"]["language"] == "fr"
    assert _account(api, "alice@example.com").language == "en"


def test_changing_the_password_tells_the_owner(api, outbox):
    account = api.user("alice@example.com", name="Alice")
    tokens = api.login("alice@example.com")
    response = api.call("POST", "/api/identity/me/password",
                        {"currentPassword": api.PASSWORD, "newPassword": "another sturdy passphrase"},
                        tokens["access_token"])
    assert response.status_code == 204
    [event] = outbox("password.changed.v1")
    assert event["subject"] == account.id
    assert event["data"] == {"accountId": account.id, "email": "alice@example.com", "language": "en",
                             "displayName": "Alice"}


def test_resetting_the_password_tells_the_owner(api, outbox):
    api.user("alice@example.com")
    api.call("POST", "/api/identity/password/forgot", {"email": "alice@example.com"})
    token = api.link_token(outbox("password.reset_requested.v1")[0]["data"]["link"])
    api.call("POST", "/api/identity/password/reset", {"token": token, "password": "another sturdy passphrase"})
    [event] = outbox("password.changed.v1")
    assert event["data"]["email"] == "alice@example.com"
    assert "link" not in event["data"]


def test_failed_changes_tell_nobody(api, outbox):
    api.user("alice@example.com")
    tokens = api.login("alice@example.com")
    api.call("POST", "/api/identity/me/password", {"currentPassword": "wrong one", "newPassword": "another one!"},
             tokens["access_token"])
    assert outbox("password.changed.v1") == []
