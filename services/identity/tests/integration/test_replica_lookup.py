"""``POST /api/identity/replica/lookup``: what tickets reads through when identity's events are late."""
from identity import integration_events


def test_accounts_by_id_or_email_and_organisations_with_members_in_the_events_shape(api):
    agent = api.token_for("agent@example.com", role="agent")
    alice = api.user("alice@example.com")
    org = api.call("POST", "/api/identity/organisations", {"name": "Acme"}, agent).get_json()
    api.call("POST", f"/api/identity/organisations/{org['id']}/members", {"emails": ["alice@example.com"]}, agent)
    customer = api.token_for("carol@example.com")

    answer = api.call("POST", "/api/identity/replica/lookup",
                      {"accounts": ["ALICE@example.com", "nobody@example.com", "no-such-id"],
                       "organisations": [int(org["id"]), 999999]}, customer)

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["accounts"] == [integration_events.account_fields(alice)]
    assert body["organisations"] == [{"organizationId": org["id"], "name": "Acme", "createdBy": body[
        "organisations"][0]["createdBy"], "memberIds": [alice.id]}]


def test_the_lookup_needs_a_token_and_lists(api):
    assert api.call("POST", "/api/identity/replica/lookup", {"accounts": [], "organisations": []}).status_code == 401
    token = api.token_for("carol@example.com")
    assert api.call("POST", "/api/identity/replica/lookup", {"accounts": "x", "organisations": []},
                    token).status_code == 400
    too_many = {"accounts": [f"a{i}" for i in range(51)], "organisations": []}
    assert api.call("POST", "/api/identity/replica/lookup", too_many, token).status_code == 400
