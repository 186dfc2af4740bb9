"""References identity has just created but whose events have not reached the replica yet are read
through from identity once (tickets.readthrough); unknown ones are refused at once, naming them."""
import json
import time
import uuid

import httpx
import pytest

from tickets.readthrough import IdentityLookup


class FakeIdentity:
    """Identity's ``POST /api/identity/replica/lookup`` as its own tests pin it (services/identity tests)."""

    def __init__(self):
        self.accounts: dict[str, dict] = {}
        self.organisations: dict[int, dict] = {}
        self.calls: list[dict] = []
        self.down = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("identity is down")
        assert request.url.path == "/api/identity/replica/lookup"
        assert request.headers["Authorization"].startswith("Bearer ")
        body = json.loads(request.content)
        self.calls.append(body)
        found = [a for a in self.accounts.values() if a["accountId"] in body["accounts"]
                 or a["email"] in body["accounts"]]
        orgs = [o for i, o in self.organisations.items() if i in body["organisations"]]
        return httpx.Response(200, json={"accounts": found, "organisations": orgs})

    def add_account(self, email: str) -> str:
        account_id = str(uuid.uuid4())
        self.accounts[account_id] = {"accountId": account_id, "email": email, "displayName": "New", "language": "en",
                                     "role": "customer", "kind": "internal", "active": True, "timeZone": None}
        return account_id


@pytest.fixture
def identity(app):
    fake = FakeIdentity()
    app.extensions["tickets.identity_lookup"] = IdentityLookup("http://identity.test",
                                                               transport=httpx.MockTransport(fake.handle))
    yield fake
    app.extensions.pop("tickets.identity_lookup", None)


def test_a_participant_identity_just_created_is_read_through_once(api, person, identity):
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    newcomer = identity.add_account(f"new-{uuid.uuid4().hex[:6]}@example.com")

    response = api.post(f"/rest/servicedeskapi/request/{key}/participant", agent, {"accountIds": [newcomer]})

    assert response.status_code == 200, response.json
    assert newcomer in {p["accountId"] for p in response.json["values"]}
    assert identity.calls == [{"accounts": [newcomer], "organisations": []}]
    # The replica now holds the account: the next request needs no call.
    api.post(f"/rest/servicedeskapi/request/{key}/participant", agent, {"accountIds": [newcomer]})
    assert len(identity.calls) == 1


def test_a_participant_by_email_on_a_new_request_is_read_through(api, person, identity):
    agent = person(role="agent")
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    newcomer = identity.add_account(email)

    response = api.create(agent, requestParticipants=[email])

    assert response.status_code == 201, response.json
    listed = api.get(f"/rest/servicedeskapi/request/{response.json['issueKey']}/participant", agent).json
    assert [p["accountId"] for p in listed["values"]] == [newcomer]


def test_an_organisation_identity_just_created_can_be_linked(api, person, identity):
    agent = person(role="agent")
    identity.organisations[98765] = {"organizationId": "98765", "name": "Fresh Org", "createdBy": agent.id,
                                     "memberIds": []}

    response = api.post("/rest/servicedeskapi/servicedesk/1/organization", agent, {"organizationId": 98765})

    assert response.status_code == 204, response.json
    assert identity.calls == [{"accounts": [], "organisations": [98765]}]


def test_a_reference_identity_does_not_know_is_refused_at_once_naming_it(api, person, identity):
    alice = person()
    key = api.create(alice).json["issueKey"]
    started = time.monotonic()

    response = api.post(f"/rest/servicedeskapi/request/{key}/participant", alice, {"accountIds": ["nobody-at-all"]})

    assert response.status_code == 400 and "nobody-at-all" in response.json["errorMessage"]
    assert len(identity.calls) == 1
    assert time.monotonic() - started < 1


def test_a_mistyped_participant_email_costs_one_lookup_and_no_wait(api, person, identity):
    alice = person()
    started = time.monotonic()

    response = api.create(alice, requestParticipants=["no-such-person@example.com"])

    assert response.status_code == 400 and "no-such-person@example.com" in response.json["errorMessage"]
    assert len(identity.calls) == 1
    assert time.monotonic() - started < 1


def test_when_identity_does_not_answer_the_reference_is_refused_naming_it(api, person, identity):
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    identity.down = True

    response = api.post(f"/rest/servicedeskapi/request/{key}/participant", agent, {"accountIds": ["someone-new"]})

    assert response.status_code == 400 and "someone-new" in response.json["errorMessage"]
