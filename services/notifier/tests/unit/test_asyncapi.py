"""docs/asyncapi.yaml describes every event type registered in common.contracts."""
from pathlib import Path

import pytest
import yaml

from common.contracts import REGISTRY, _load_all
from notifier.handlers import IDENTITY_EVENTS, TICKET_EVENTS

DOC = Path(__file__).resolve().parents[4] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load(DOC.read_text(encoding="utf-8"))


def registered():
    _load_all()
    return sorted(REGISTRY)


def deref(doc, node):
    """Follow local ``$ref``s until a concrete object."""
    while isinstance(node, dict) and set(node) == {"$ref"}:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def data_schema(doc, message) -> dict:
    """Merged properties and required list of a message's ``data``."""
    envelope = deref(doc, message["payload"])
    parts = [deref(doc, p) for p in envelope.get("allOf", [envelope])]
    data_ref = next(p["properties"]["data"] for p in parts if "data" in p.get("properties", {}) and "$ref" in p["properties"]["data"])
    data = deref(doc, data_ref)
    props, required = {}, set()
    for part in data.get("allOf", [data]):
        part = deref(doc, part)
        props.update(part.get("properties", {}))
        required |= set(part.get("required", []))
    return {"properties": props, "required": required}


def test_document_is_asyncapi(doc):
    assert str(doc["asyncapi"]).startswith(("2.6", "3.0"))
    assert {"identity.events", "tickets.events"} <= {
        deref(doc, ch["bindings"])["amqp"]["exchange"]["name"]
        for ch in doc["channels"].values() if deref(doc, ch["bindings"])["amqp"]["is"] == "routingKey"
    }


@pytest.mark.parametrize("event_type", registered())
def test_every_registered_event_type_is_described(doc, event_type):
    messages = {m["title"]: m for m in doc["components"]["messages"].values()}
    assert event_type in messages, f"{event_type} is missing from docs/asyncapi.yaml"
    routing_key = event_type.removeprefix("servicedesk.")
    assert routing_key in doc["channels"], f"no channel for routing key {routing_key}"


@pytest.mark.parametrize("event_type", registered())
def test_required_payload_fields_are_documented(doc, event_type):
    _load_all()
    schema = REGISTRY[event_type]()
    message = {m["title"]: m for m in doc["components"]["messages"].values()}[event_type]
    documented = data_schema(doc, message)
    for name, field in schema.fields.items():
        assert name in documented["properties"], f"{event_type}: field {name} not documented"
        if field.required:
            assert name in documented["required"], f"{event_type}: field {name} should be required"


def test_the_notifier_queue_and_its_dead_letter_queue_are_described(doc):
    channels = doc["channels"]
    assert channels["notifier"]["bindings"]["amqp"]["queue"]["name"] == "notifier"
    assert channels["notifier.dead"]["bindings"]["amqp"]["queue"]["name"] == "notifier.dead"
    consumed = {deref(doc, m)["name"] for m in channels["notifier"]["subscribe"]["message"]["oneOf"]}
    assert consumed == set(IDENTITY_EVENTS) | set(TICKET_EVENTS)
