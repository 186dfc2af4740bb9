import json

import pytest

from common.events import CloudEvent, InvalidEvent, event_type, validate


def make_event(**overrides):
    base = dict(type=event_type("ticket.created"), source="/servicedesk/tickets", data={"key": "AM-1"},
                subject="AM-1", correlationid="abc123")
    base.update(overrides)
    return CloudEvent(**base)


def test_round_trips_through_json():
    event = make_event()
    assert CloudEvent.from_json(event.to_json()) == event


def test_type_carries_version_and_routing_key_drops_the_prefix():
    event = make_event()
    assert event.type == "servicedesk.ticket.created.v1"
    assert event.routing_key == "ticket.created.v1"
    assert (event.name, event.version) == ("ticket.created", 1)


def test_serialises_required_cloudevents_attributes():
    body = json.loads(make_event().to_json())
    for key in ("specversion", "id", "source", "type", "time", "datacontenttype", "data", "subject"):
        assert key in body
    assert body["specversion"] == "1.0"


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda b: b.pop("id"), "id"),
        (lambda b: b.update(specversion="0.3"), "specversion"),
        (lambda b: b.update(type="ticket.created"), "prefix"),
        (lambda b: b.update(type="servicedesk.ticket.created"), "version"),
        (lambda b: b.update(time="yesterday"), "RFC 3339"),
        (lambda b: b.update(data=[1, 2]), "data"),
        (lambda b: b.update({"Bad-Name": 1}), "attribute name"),
    ],
)
def test_rejects_invalid_envelopes(mutation, message):
    body = make_event().to_dict()
    mutation(body)
    with pytest.raises(InvalidEvent, match=message):
        validate(body)


def test_rejects_non_json():
    with pytest.raises(InvalidEvent):
        CloudEvent.from_json(b"\x80not json")
