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
