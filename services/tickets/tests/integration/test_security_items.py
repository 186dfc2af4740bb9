"""Issue 9's security items on tickets, each with the regression test that proves its fix."""
import json
import uuid

import pytest

from common import limits
from common.db import transaction
from tickets.app import create_app
from tickets.store.accounts import AccountRepository

from .conftest import outbox_events

API = "/rest/servicedeskapi"


def _invites(app) -> list[dict]:
    return [e for e in outbox_events(app) if e["type"] == "servicedesk.ticket.participant_invited.v1"]


def test_item1_names_outside_the_search_are_unknown_at_creation_too(api, person, organizations):
    organizations(1)
    alice, bob = person(orgs=[1]), person("bob.martin@example.com", orgs=[1])
    dave = person("dave.example@example.com")
    created = api.create(alice, requestParticipants=["Bob.Martin"])
    assert created.status_code == 201
    assert [p["accountId"] for p in api.get(f"{API}/request/AM-1/participant", alice).json["values"]] == [bob.id]
    refused = api.create(alice, requestParticipants=["Dave.Example"])
    assert refused.status_code == 400 and dave.id not in refused.get_data(as_text=True)
    assert refused.json["errorMessage"] == api.create(alice, requestParticipants=["No Such Person"]).json[
        "errorMessage"].replace("No Such Person", "Dave.Example")


def test_item3_comments_have_a_size_limit_and_nothing_oversized_is_stored_or_published(api, app, person):
    alice = person()
    api.create(alice)
    before = len(outbox_events(app))
    huge = api.client.post(f"{API}/request/AM-1/comment", headers=alice.headers, content_type="application/json",
                           data=json.dumps({"body": "x" * (10 * 1024 * 1024)}))
    assert huge.status_code == 413 and "1 MiB" in huge.json["errorMessage"]
    long = api.post(f"{API}/request/AM-1/comment", alice, {"body": "x" * (limits.LONG_TEXT + 1)})
    assert long.status_code == 400 and f"at most {limits.LONG_TEXT}" in long.json["errorMessage"]
    assert api.post(f"{API}/request/AM-1/comment", alice, {"body": "x" * limits.LONG_TEXT}).status_code == 201
    assert len(outbox_events(app)) == before + 1


@pytest.fixture
def strict_app(database_url, settings):
    """The app with small invitation limits: 3 per customer, 5 per desk."""
    from dataclasses import replace

    application = create_app(replace(settings, invites_per_customer=3, invites_per_desk=5))
    application.testing = True
    yield application
    application.extensions["tickets.engine"].dispose()


def test_item4_participant_invitations_are_limited_per_customer_and_per_desk(api, app, strict_app, person):
    from .conftest import Api

    strict = Api(strict_app.test_client())
    admin = person(role="admin")
    api.patch("/api/tickets/desks/1", admin, {"allowParticipantInvites": True})
    alice, bob, agent = person(), person(), person(role="agent")
    strict.create(alice)
    strict.create(bob)
    emails = lambda n: [f"new-{uuid.uuid4().hex[:6]}@example.com" for _ in range(n)]  # noqa: E731
    assert strict.post(f"{API}/request/AM-1/participant", alice, {"usernames": emails(3)}).status_code == 200
    refused = strict.post(f"{API}/request/AM-1/participant", alice, {"usernames": emails(1)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "at most 3" in refused.json["errorMessage"]
    assert len(_invites(app)) == 3
    # bob has his own allowance, but the desk's is nearly used up: 2 more, not 3.
    assert strict.post(f"{API}/request/AM-2/participant", bob, {"usernames": emails(3)}).status_code == 429
    assert strict.post(f"{API}/request/AM-2/participant", bob, {"usernames": emails(2)}).status_code == 200
    # The desk's agents are not limited.
    assert strict.post(f"{API}/request/AM-1/participant", agent, {"usernames": emails(4)}).status_code == 200
    assert len(_invites(app)) == 9


@pytest.mark.parametrize("move", ["5", "6"])
def test_item5_only_the_reporter_closes_or_reopens(api, person, organizations, move):
    organizations(1)
    alice, colleague, participant, agent = person(orgs=[1]), person(orgs=[1]), person(), person(role="agent")
    api.create(alice, values={"organizations": [1]}, requestParticipants=[participant.email])
    if move == "6":
        assert api.post(f"{API}/request/AM-1/transition", agent, {"id": "4"}).status_code == 204
    for who in (colleague, participant):
        assert api.get(f"{API}/request/AM-1", who).status_code == 200
        assert move not in [t["id"] for t in api.get(f"{API}/request/AM-1/transition", who).json["values"]]
        refused = api.post(f"{API}/request/AM-1/transition", who, {"id": move})
        assert refused.status_code == 403 and "Only the reporter" in refused.json["errorMessage"]
    assert move in [t["id"] for t in api.get(f"{API}/request/AM-1/transition", alice).json["values"]]
    assert api.post(f"{API}/request/AM-1/transition", alice, {"id": move}).status_code == 204


def test_item7_participants_are_found_by_the_one_email_rule(api, app, person):
    alice = person()
    zoe = person("zoe@xn--bcher-kva.de")
    api.create(alice)
    added = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": ["Zoe@Bücher.de"]})
    assert added.status_code == 200 and [u["accountId"] for u in added.json["values"]] == [zoe.id]
    admin = person(role="admin")
    api.patch("/api/tickets/desks/1", admin, {"allowParticipantInvites": True})
    refused = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": ["new@example.com."]})
    assert refused.status_code == 400 and _invites(app) == []
    assert api.post(f"{API}/request/AM-1/participant", alice, {"usernames": ["New@Bücher.de"]}).status_code == 200
    assert [e["data"]["email"] for e in _invites(app)] == ["new@xn--bcher-kva.de"]
