"""Payload schemas for every published (event name, version), owned by the producer, read by consumers.

``validate_payload(event)`` checks an event's ``data`` against its registered schema; a contract test
walks the registry so every published type has a schema and its v1 samples still load.
"""
from __future__ import annotations

import functools
from typing import Callable

from marshmallow import INCLUDE, Schema, ValidationError, fields

from ..emails import InvalidEmail, normalise_email
from ..events import CloudEvent, event_type
from . import compiled

REGISTRY: dict[str, type[Schema]] = {}


class Payload(Schema):
    """Base for payload schemas: unknown keys are kept, so additive changes stay on the same version."""

    class Meta:
        unknown = INCLUDE


class EmailAddress(fields.String):
    """An address by the rule of ``common.emails`` (the one every service applies), loaded in canonical form."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_email(text)
        except InvalidEmail as exc:
            raise ValidationError(str(exc)) from exc


def contract(name: str, version: int = 1):
    """Class decorator registering a payload schema for ``servicedesk.<name>.v<version>``."""

    def register(schema_cls: type[Schema]) -> type[Schema]:
        REGISTRY[event_type(name, version)] = schema_cls
        return schema_cls

    return register


def validate_payload(event: CloudEvent) -> dict:
    """Return the event's data loaded by its schema; raise ValidationError for an unknown type or bad data."""
    _load_all()
    schema_cls = REGISTRY.get(event.type)
    if schema_cls is None:
        raise ValidationError(f"no contract registered for {event.type}")
    return _loader(schema_cls)(event.data)


@functools.cache
def _loader(schema_cls: type[Schema]) -> Callable[[object], dict]:
    # Building a schema deep-copies its declared fields (most of the cost of a small load); an
    # instance holds no state between loads, so one per class serves every event. The compiled
    # checks in front of it answer for the plainly valid events without marshmallow's walk.
    return compiled.loader(schema_cls())


def _load_all() -> None:
    from . import identity, mail, tickets  # noqa: F401  (registration side effect)
