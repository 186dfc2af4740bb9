"""CloudEvents 1.0 envelope (JSON, structured mode) for every integration event.

``type`` carries the version, e.g. ``servicedesk.ticket.status_changed.v1``; the AMQP routing key is
the same name without the ``servicedesk.`` prefix (``ticket.status_changed.v1``), so consumers can
bind to one fact and one version. ``correlationid`` is a CloudEvents extension attribute that
carries the HTTP request id across the bus.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SPECVERSION = "1.0"
TYPE_PREFIX = "servicedesk."
CONTENT_TYPE = "application/cloudevents+json"
_TYPE_RE = re.compile(r"^servicedesk\.[a-z_]+(\.[a-z_]+)+\.v[0-9]+$")
_REQUIRED = ("id", "source", "specversion", "type")


class InvalidEvent(ValueError):
    """A message body is not a valid CloudEvents 1.0 structured-mode JSON event of ours."""


def event_type(name: str, version: int = 1) -> str:
    """``event_type("ticket.created")`` -> ``servicedesk.ticket.created.v1``."""
    return f"{TYPE_PREFIX}{name}.v{version}"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    data: dict[str, Any]
    subject: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: _iso(utc_now()))
    correlationid: str | None = None
    specversion: str = SPECVERSION
    datacontenttype: str = "application/json"

    @property
    def routing_key(self) -> str:
        """The AMQP routing key: the type without the product prefix."""
        return self.type[len(TYPE_PREFIX):] if self.type.startswith(TYPE_PREFIX) else self.type

    @property
    def name(self) -> str:
        """The fact's name without version, e.g. ``ticket.created``."""
        return self.routing_key.rsplit(".v", 1)[0]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    def to_dict(self) -> dict[str, Any]:
        body = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }
        if self.subject is not None:
            body["subject"] = self.subject
        if self.correlationid:
            body["correlationid"] = self.correlationid
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, body: Any) -> "CloudEvent":
        validate(body)
        return cls(
            id=body["id"],
            source=body["source"],
            type=body["type"],
            specversion=body["specversion"],
            time=body.get("time") or _iso(utc_now()),
            subject=body.get("subject"),
            datacontenttype=body.get("datacontenttype", "application/json"),
            correlationid=body.get("correlationid"),
            data=body.get("data") or {},
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> "CloudEvent":
        try:
            body = json.loads(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidEvent(f"not JSON: {exc}") from exc
        return cls.from_dict(body)


def validate(body: Any) -> None:
    """Raise InvalidEvent unless ``body`` is a CloudEvents 1.0 event with one of our versioned types."""
    if not isinstance(body, dict):
        raise InvalidEvent("an event must be a JSON object")
    for key in _REQUIRED:
        if not isinstance(body.get(key), str) or not body[key]:
            raise InvalidEvent(f"attribute {key!r} is required and must be a non-empty string")
    if body["specversion"] != SPECVERSION:
        raise InvalidEvent(f"unsupported specversion {body['specversion']!r}")
    if not _TYPE_RE.match(body["type"]):
        raise InvalidEvent(f"type {body['type']!r} lacks the servicedesk prefix or version suffix")
    if "time" in body:
        try:
            datetime.fromisoformat(body["time"].replace("Z", "+00:00"))
        except (AttributeError, ValueError) as exc:
            raise InvalidEvent(f"time is not RFC 3339: {body['time']!r}") from exc
    if "data" in body and not isinstance(body["data"], dict):
        raise InvalidEvent("data must be a JSON object")
    for key in body:
        if not re.fullmatch(r"[a-z0-9]{1,20}", key):
            raise InvalidEvent(f"attribute name {key!r} is not a valid CloudEvents name")
