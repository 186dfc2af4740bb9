"""Each event's payload loaded by its contract (``common.contracts``), with one schema object per type.

``common.contracts.validate_payload`` builds a new schema for every event; building it (its fields,
their options, the nested audience) cost five times the load itself, per email. A marshmallow schema
holds no state between loads, so the worker keeps one per event type.
"""
from __future__ import annotations

import functools

from marshmallow import Schema, ValidationError

from common import contracts
from common.contracts import identity, mail, tickets  # noqa: F401  (the schemas register on import)
from common.events import CloudEvent


@functools.lru_cache(maxsize=None)
def _schema(event_type: str) -> Schema | None:
    schema_cls = contracts.REGISTRY.get(event_type)
    return schema_cls() if schema_cls is not None else None


def validate_payload(event: CloudEvent) -> dict:
    """The event's data loaded by its schema; ValidationError for an unknown type or bad data."""
    schema = _schema(event.type)
    if schema is None:
        raise ValidationError(f"no contract registered for {event.type}")
    return schema.load(event.data)
