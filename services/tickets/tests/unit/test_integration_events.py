from datetime import datetime, timezone

from common.contracts import validate_payload
from tickets.domain.catalog import Desk
from tickets.domain.model import Actor, Ticket
from tickets.integration_events import to_cloud_events

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
DESK = Desk(1, "AM", "Audio Matching")


def busy_ticket() -> Ticket:
    customer, agent = Actor("cust", False), Actor("agent", True)
    t = Ticket.open(actor=customer, desk_id=1, request_type_id=1, reporter_id="cust", summary="Broken",
                    description="d", field_values={}, organization_ids={3}, participant_ids={"bob"}, now=NOW)
    t.id, t.key = 7, "AM-7"
    t.comment(agent, "reply", True, NOW)
    t.comment(agent, "note", False, NOW)
    t.add_participants(agent, {"carol"}, NOW)
    t.share(agent, {4}, {3}, NOW)
    t.assign(agent, "agent2", NOW)
    t.edit(agent, NOW, summary="Broken player")
    for c in t.new_comments:
        c.id = 1
    return t


def test_every_event_validates_against_its_published_contract():
    events = to_cloud_events(busy_ticket(), DESK, ["agent", "agent2"])
    assert [e.routing_key for e in events] == [
        "ticket.created.v1", "ticket.commented.v1", "ticket.status_changed.v1", "ticket.commented.v1",
        "ticket.participants_changed.v1", "ticket.shared.v1", "ticket.assigned.v1", "ticket.updated.v1"]
    for event in events:
        validate_payload(event)
        assert event.subject == "AM-7"
        assert event.source == "/servicedesk/tickets"


def test_internal_notes_have_no_customer_audience_and_the_actor_hears_nothing():
    events = to_cloud_events(busy_ticket(), DESK, ["agent", "agent2"])
    note = events[3].data
    assert note["public"] is False
    assert note["audience"]["customers"] == []
    for event in events:
        aud = event.data["audience"]
        assert event.data["actorId"] not in aud["customers"] + aud["agents"]


def test_a_customers_new_request_is_told_to_every_agent():
    t = Ticket.open(actor=Actor("cust", False), desk_id=1, request_type_id=1, reporter_id="cust", summary="s",
                    description="", field_values={}, organization_ids=set(), participant_ids=set(), now=NOW)
    t.id, t.key = 1, "AM-1"
    (created,) = to_cloud_events(t, DESK, ["agent", "agent2"])
    assert created.data["audience"] == {"customers": [], "agents": ["agent", "agent2"]}


def test_an_invitation_and_its_acceptance():
    alice = Actor("alice", False)
    t = Ticket.open(actor=alice, desk_id=1, request_type_id=1, reporter_id="alice", summary="Broken",
                    description="", field_values={}, organization_ids=set(), participant_ids=set(), now=NOW)
    t.id, t.key = 7, "AM-7"
    to_cloud_events(t, DESK, ["agent"])
    assert t.invite_participant(alice, " New@Example.com ", NOW, "fr") is True
    assert t.invite_participant(alice, "new@example.com", NOW) is False
    (invited,) = to_cloud_events(t, DESK, ["agent"])
    assert invited.routing_key == "ticket.participant_invited.v1"
    assert validate_payload(invited)["email"] == "new@example.com"
    assert invited.data["language"] == "fr" and invited.data["invitedBy"] == "alice"
    assert t.accept_invitation("NEW@example.com", "newbie", NOW) is True
    assert t.accept_invitation("new@example.com", "newbie", NOW) is False
    (changed,) = to_cloud_events(t, DESK, ["agent"])
    assert changed.data["added"] == ["newbie"] and changed.data["actorId"] == "newbie"
    assert changed.data["audience"]["customers"] == ["alice"]
    assert "newbie" in t.participant_ids and t.invited == {}


def test_subscription_opt_in_and_mute():
    t = Ticket.open(actor=Actor("alice", False), desk_id=1, request_type_id=1, reporter_id="alice", summary="s",
                    description="", field_values={}, organization_ids={1}, participant_ids=set(), now=NOW)
    assert t.hears("alice", involved=True) and not t.hears("bob", involved=False)
    t.subscribe("bob", involved=False)
    assert t.hears("bob", involved=False) and t.watcher_ids == {"bob"}
    t.unsubscribe("bob")
    t.unsubscribe("alice")
    assert not t.hears("bob", involved=False) and not t.hears("alice", involved=True)
    t.subscribe("alice", involved=True)
    assert t.hears("alice", involved=True) and t.watcher_ids == set()


def test_attachments_are_announced_as_comments_are_and_never_carry_content():
    from tickets.domain.attachments import Attachment, StoredFile

    customer, agent = Actor("cust", False), Actor("agent", True)
    t = Ticket.open(actor=customer, desk_id=1, request_type_id=1, reporter_id="cust", summary="Broken",
                    description="d", field_values={}, organization_ids=set(), participant_ids={"bob"}, now=NOW)
    t.id, t.key = 7, "AM-7"
    to_cloud_events(t, DESK, ["agent"])
    files = [Attachment(7, "agent", StoredFile("shot.png", 1234, "image/png", "a" * 32, "b" * 32), False, NOW, id=3)]
    note = t.comment(agent, "internal", False, NOW)
    note.id = 9
    t.attach(agent, files, False, NOW, note)
    t.attach(customer, [Attachment(7, "cust", StoredFile("log.txt", 5, "text/plain", "c" * 32), True, NOW, id=4)],
             True, NOW)
    commented, internal, public = to_cloud_events(t, DESK, ["agent"])
    for event in (commented, internal, public):
        validate_payload(event)
        assert "blob" not in str(event.data)
    assert commented.data["attachments"] == [{"attachmentId": "3", "filename": "shot.png", "size": 1234,
                                              "mimeType": "image/png"}]
    assert internal.routing_key == "ticket.attachment_added.v1" and internal.data["commentId"] == "9"
    assert internal.data["public"] is False and internal.data["audience"]["customers"] == []
    assert public.data["audience"] == {"customers": ["bob"], "agents": ["agent"]}
