"""The compiled contract checks give marshmallow's verdict, and its result, on every event.

For each registered contract a valid payload is built from its fields, then varied at every key and
list item (removed, null, each of a table of odd values, an unknown key beside it), and each
variant is loaded both ways: by ``Schema.load`` and by the compiled loader. They must both accept
with equal results or both refuse with equal messages, and the compiled checks alone must answer
for the plainly valid payloads (else they would save nothing).
"""
from __future__ import annotations

import copy

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from common.contracts import REGISTRY, Payload, _load_all, compiled, validate_payload
from common.events import CloudEvent, event_type

ODD = [None, "", "x", "portal", "email", "other", "true", "1", b"x", b"\xff", 0, 1, 2, -1, 1.0, 1.5, True, False,
       [], ["a"], [1], [None], ("a",), {}, {"customers": [], "agents": []}, {"a"}, object()]


class _StrSubclass(str):
    pass


ODD.append(_StrSubclass("x"))


def _contracts() -> list[str]:
    _load_all()
    return sorted(REGISTRY)


def _sample_value(field: fields.Field):
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        return list(choices[0])[0]
    if isinstance(field, fields.Nested):
        return _sample(field.schema)
    if isinstance(field, fields.List):
        return [_sample_value(field.inner), _sample_value(field.inner)]
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.Integer):
        return 3
    if isinstance(field, (fields.Email, fields.Url)) or type(field).__name__ == "EmailAddress":
        return None  # such schemas are not compiled; marshmallow answers alone
    return "value"


def _sample(schema: Schema) -> dict:
    return {name: _sample_value(field) for name, field in schema.load_fields.items()}


def _variants(value):
    """Copies of ``value`` changed at one place each (recursively)."""
    if isinstance(value, dict):
        for key in list(value):
            removed = dict(value)
            del removed[key]
            yield removed
            for odd in ODD:
                yield {**value, key: odd}
            for inner in _variants(value[key]):
                yield {**value, key: inner}
        yield {**value, "unknownKey": {"kept": ["as", "given"]}}
    elif isinstance(value, list):
        for index in range(len(value)):
            for odd in ODD:
                yield value[:index] + [odd] + value[index + 1:]
            for inner in _variants(value[index]):
                yield value[:index] + [inner] + value[index + 1:]
        yield value + value[:1]


def _outcome(load, data):
    try:
        return "ok", load(copy.deepcopy(data))
    except ValidationError as exc:
        return "refused", exc.messages


@pytest.mark.parametrize("name", _contracts())
def test_compiled_loader_agrees_with_marshmallow(name):
    schema = REGISTRY[name]()
    load = compiled.loader(schema)
    sample = _sample(schema)
    cases = [sample, *_variants(sample), None, [], "x", [("key", "value")]]
    for data in cases:
        assert _outcome(load, data) == _outcome(schema.load, data), data


@pytest.mark.parametrize("name", [n for n in _contracts() if n.startswith("servicedesk.ticket.")
                                  and n != "servicedesk.ticket.participant_invited.v1"])
def test_ticket_contracts_are_compiled_and_answer_valid_payloads(name):
    fast = compiled.compile_schema(REGISTRY[name]())
    assert fast is not None
    sample = _sample(REGISTRY[name]())
    assert fast(copy.deepcopy(sample)) == REGISTRY[name]().load(copy.deepcopy(sample))


CREATED = {
    "ticketId": "1", "key": "AM-1", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
    "requestTypeId": "1", "summary": "Fingerprints missing", "status": "Waiting for support",
    "reporterId": "r", "actorId": "r", "channel": "portal", "participantIds": [], "organizationIds": [],
    "audience": {"customers": [], "agents": ["a"]},
}


@pytest.mark.parametrize("change, accepted", [
    ({}, True),
    ({"deskEmail": "am@desk.example.com"}, True),             # unknown keys are kept
    ({"channel": "email"}, True),
    ({"channel": "fax"}, False),
    ({"channel": None}, False),
    ({"assigneeId": None}, True),
    ({"assigneeId": 7}, False),
    ({"actorIsAgent": False}, True),
    ({"actorIsAgent": "true"}, True),                         # coerced by marshmallow, not by the checks
    ({"actorIsAgent": "maybe"}, False),
    ({"summary": b"bytes"}, True),                            # decoded by marshmallow
    ({"summary": None}, False),
    ({"audience": {"customers": [], "agents": []}}, True),
    ({"audience": {"customers": []}}, False),
    ({"audience": {"customers": [1], "agents": []}}, False),
    ({"audience": {"customers": ("a",), "agents": []}}, True),  # a tuple is a list to marshmallow
    ({"participantIds": None}, False),
])
def test_ticket_created_table(change, accepted):
    data = {**CREATED, **change}
    event = CloudEvent(type=event_type("ticket.created"), source="/test", data=data)
    verdict = _outcome(lambda d: validate_payload(event), data)
    assert verdict == _outcome(REGISTRY[event.type]().load, data)
    assert (verdict[0] == "ok") is accepted


def test_a_schema_with_what_the_checks_do_not_know_is_left_to_marshmallow():
    class WithLength(Payload):
        language = fields.String(validate=validate.Length(min=2))

    class WithDefault(Payload):
        channel = fields.String(load_default="portal")

    class Plain(Payload):
        language = fields.String()

    assert compiled.compile_schema(Plain()) is not None
    assert compiled.compile_schema(WithLength()) is None
    assert compiled.compile_schema(WithDefault()) is None
