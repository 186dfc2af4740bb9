"""Participants invited by email, deactivated accounts, organisation members' notification opt-in, demo agents."""
from __future__ import annotations

import threading

from common.contracts import validate_payload
from common.db import transaction
from common.events import CloudEvent, event_type
from tickets.replica import HANDLERS

from .conftest import Person, outbox_events

API = "/rest/servicedeskapi"
NATIVE = "/api/tickets"


def identity_event(app, name, **data):
    event = CloudEvent(type=event_type(name), source="/servicedesk/identity", data=data)
    with transaction(app.extensions["tickets.session_factory"]) as session:
        HANDLERS[event.routing_key](session, event)


def account_data(person, active=True, role="customer"):
    return dict(accountId=person.id, email=person.email, displayName="New", language="en", role=role, active=active)


def test_an_unknown_email_is_a_400_naming_it_unless_the_desk_invites(api, app, person, tokens):
    admin, alice = person(role="admin"), person()
    key = api.create(alice).json["issueKey"]
    refused = api.post(f"{API}/request/{key}/participant", alice, {"usernames": ["Newbie@Example.com"]})
    assert refused.status_code == 400 and "Newbie@Example.com" in refused.json["errorMessage"]
    assert not [e for e in outbox_events(app) if e["routing_key"] == "ticket.participant_invited.v1"]

    api.patch(f"{NATIVE}/desks/1", admin, {"allowParticipantInvites": True})
    assert api.post(f"{API}/request/{key}/participant", alice, {"usernames": ["not an email"]}).status_code == 400
    added = api.post(f"{API}/request/{key}/participant", alice, {"usernames": ["Newbie@Example.com"]})
    assert added.status_code == 200 and added.json["values"] == []
    # Inviting twice sends one invitation.
    api.post(f"{API}/request/{key}/participant", alice, {"usernames": ["newbie@example.com"]})
    (invited,) = [e for e in outbox_events(app) if e["routing_key"] == "ticket.participant_invited.v1"]
    assert invited["data"] == {"ticketId": "1", "key": key, "deskId": "1", "deskKey": "AM",
                               "deskName": "Audio Matching", "summary": "Player is broken",
                               "email": "newbie@example.com", "invitedBy": alice.id, "language": "en"}
    validate_payload(CloudEvent.from_dict({k: v for k, v in invited.items() if k != "routing_key"}))

    newbie = Person(tokens, "newbie@example.com")
    assert api.get(f"{API}/request/{key}", newbie).status_code == 404
    identity_event(app, "account.created", **account_data(newbie))
    assert api.get(f"{API}/request/{key}", newbie).status_code == 200
    assert [u["accountId"] for u in api.get(f"{API}/request/{key}/participant", alice).json["values"]] == [newbie.id]
    changed = [e for e in outbox_events(app) if e["routing_key"] == "ticket.participants_changed.v1"][-1]
    assert changed["data"]["added"] == [newbie.id] and alice.id in changed["data"]["audience"]["customers"]
    # A redelivered account event changes nothing more.
    before = len(outbox_events(app))
    identity_event(app, "account.updated", **account_data(newbie))
    assert len(outbox_events(app)) == before


def test_a_stranger_cannot_invite_on_someone_elses_request(api, person):
    admin, alice, mallory = person(role="admin"), person(), person()
    api.patch(f"{NATIVE}/desks/1", admin, {"allowParticipantInvites": True})
    key = api.create(alice).json["issueKey"]
    assert api.post(f"{API}/request/{key}/participant", mallory, {"usernames": ["x@example.com"]}).status_code == 404


def test_a_deactivated_accounts_token_is_refused_once_the_worker_applies_the_event(bus_settings, app, api, person):
    from kombu import Connection

    from common.bus.publisher import Publisher
    from tickets.worker import build_worker

    from .test_bus import wait_for

    alice = person()
    assert api.get(f"{API}/request", alice).status_code == 200
    worker = build_worker(bus_settings)
    with Connection(bus_settings.amqp_url) as conn:
        worker.topology.declare(conn.default_channel)
    event = CloudEvent(type=event_type("account.updated"), source="/servicedesk/identity", subject=alice.id,
                       data=account_data(alice, active=False))
    publisher = Publisher(bus_settings.amqp_url)
    publisher.publish(f"{bus_settings.bus_prefix}identity.events", event.routing_key, event.to_json(), event.id)
    publisher.close()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        refused = wait_for(lambda: (r := api.get(f"{API}/request", alice)).status_code == 401 and r)
        assert refused.json["errorMessage"] == "This account has been deactivated."
        assert api.get(f"{NATIVE}/queues?serviceDeskId=1", alice).status_code == 401
    finally:
        worker.should_stop = True
        thread.join(10)
    identity_event(app, "account.updated", **account_data(alice, active=True))
    assert api.get(f"{API}/request", alice).status_code == 200


def _audience(app, routing_key):
    return [e["data"]["audience"] for e in outbox_events(app) if e["routing_key"] == routing_key][-1]


def test_organisation_members_hear_only_after_opting_in(api, app, person, organizations):
    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(orgs=[1]), person(role="agent")
    key = api.create(alice, values={"organizations": [1]}).json["issueKey"]
    assert api.get(f"{API}/request/{key}/notification", bob).json == {"subscribed": False}
    api.post(f"{API}/request/{key}/comment", agent, {"body": "First"})
    assert _audience(app, "ticket.commented.v1")["customers"] == [alice.id]

    assert api.put(f"{API}/request/{key}/notification", bob).status_code == 204
    assert api.get(f"{API}/request/{key}/notification", bob).json == {"subscribed": True}
    api.post(f"{API}/request/{key}/comment", agent, {"body": "Second"})
    assert sorted(_audience(app, "ticket.commented.v1")["customers"]) == sorted([alice.id, bob.id])
    api.post(f"{API}/request/{key}/comment", agent, {"body": "note", "public": False})
    assert _audience(app, "ticket.commented.v1")["customers"] == []

    # The reporter may mute; the opted-in member keeps hearing.
    api.delete(f"{API}/request/{key}/notification", alice)
    api.post(f"{API}/request/{key}/transition", agent, {"id": "4"})
    assert _audience(app, "ticket.status_changed.v1")["customers"] == [bob.id]
    # Leaving the organisation ends it, without opting out.
    identity_event(app, "organisation.member_removed", organizationId="1", accountId=bob.id)
    api.post(f"{API}/request/{key}/comment", agent, {"body": "Third"})
    assert _audience(app, "ticket.commented.v1")["customers"] == []
    assert api.get(f"{API}/request/{key}/notification", bob).status_code == 404


def test_an_organisation_member_opts_out_again(api, app, person, organizations):
    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(orgs=[1]), person(role="agent")
    key = api.create(alice, values={"organizations": [1]}).json["issueKey"]
    api.put(f"{API}/request/{key}/notification", bob)
    assert api.delete(f"{API}/request/{key}/notification", bob).status_code == 204
    assert api.get(f"{API}/request/{key}/notification", bob).json == {"subscribed": False}
    api.post(f"{API}/request/{key}/comment", agent, {"body": "Hi"})
    assert _audience(app, "ticket.commented.v1")["customers"] == [alice.id]


def test_agent_audiences_are_the_desks_agents(api, app, person):
    am, tv, alice = person(role="agent", desks=(1,)), person(role="agent", desks=(2,)), person()
    api.create(alice)
    assert _audience(app, "ticket.created.v1")["agents"] == [am.id]
    assert tv.id not in _audience(app, "ticket.created.v1")["agents"]


def test_demo_and_the_desk_agent_command_wait_for_the_agents_account(tmp_path, tokens):
    from tickets import demo
    from tickets.cli import desk_agent, migrate
    from tickets.settings import Settings
    from tickets.store.accounts import AccountRepository
    from tickets.store.desks import DeskRepository

    from common.db import make_engine, make_session_factory

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    migrate(settings)
    demo.load(settings)
    demo.load(settings)
    assert desk_agent(settings, "am", "other@example.com") == "pending"
    assert desk_agent(settings, "am", "other@example.com") == "pending"
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    agent = Person(tokens, "agent@example.com", role="agent")
    event = CloudEvent(type=event_type("account.created"), source="/servicedesk/identity",
                       data=account_data(agent, role="agent"))
    with transaction(factory) as session:
        HANDLERS[event.routing_key](session, event)
    with transaction(factory) as session:
        desks = DeskRepository(session)
        assert desks.agent_desk_ids(agent.id) == {desks.get(k).id for k in ("AM", "TV", "RA")}
        assert all(desks.get(k).invite_unknown_participants for k in ("AM", "TV", "RA"))
        assert desks.pending_agents(desks.get("TV").id) == []
        assert desks.pending_agents(desks.get("AM").id) == ["other@example.com"]
        assert AccountRepository(session).by_email("agent@example.com").id == agent.id
    # Once the account is known the command adds it at once, and again is a no-op.
    assert desk_agent(settings, "TV", "agent@example.com") == "added"
    assert desk_agent(settings, "TV", "agent@example.com") == "added"
    engine.dispose()
