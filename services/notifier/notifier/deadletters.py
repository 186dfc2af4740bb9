"""What the notifier could not deliver, and putting it back: ``python -m notifier.cli dead-letters ...``.

Two places hold it:

- ``bus:<event id>``: events in the dead-letter queue ``<prefix>notifier.dead`` (not a valid event, a
  payload that breaks its contract, a handler that failed on every retry). Replaying one moves it
  back to the notifier's queue with its attempts reset.
- ``mail:<event id>:<recipient>``: spool rows ``bounced`` (a 5xx refusal) or ``parked`` (temporary
  failures for longer than ``SMTP_MAX_AGE``). Replaying one queues it again, as new.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from kombu import Connection, Producer
from sqlalchemy import Engine, select, update

from common.bus.consumer import ATTEMPT_HEADER
from common.events import utc_now

from .store.tables import sent_mail

DEAD_STATUSES = ("bounced", "parked")


@dataclass
class DeadLetter:
    id: str
    where: str
    summary: str
    detail: dict


class DeadLetters:
    def __init__(self, engine: Engine, amqp_url: str | None, topology):
        self.engine = engine
        self.amqp_url = amqp_url
        self.topology = topology

    def _bus_messages(self, conn):
        """Every message of the dead-letter queue, unacknowledged (closing the channel puts them back)."""
        channel = conn.channel()
        messages = []
        while (message := channel.basic_get(self.topology.dead_letter_name, no_ack=False)) is not None:
            messages.append(message)
        return channel, messages

    def list(self) -> list[DeadLetter]:
        found = []
        if self.amqp_url:
            with Connection(self.amqp_url, heartbeat=0, connect_timeout=5) as conn:
                channel, messages = self._bus_messages(conn)
                found += [self._bus_letter(m) for m in messages]
                channel.close()
        with self.engine.connect() as db:
            rows = db.execute(select(sent_mail).where(sent_mail.c.status.in_(DEAD_STATUSES))
                              .order_by(sent_mail.c.created_at)).all()
        found += [self._mail_letter(r) for r in rows]
        return found

    def _bus_letter(self, message) -> DeadLetter:
        props = message.properties
        body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else str(message.body)
        try:
            event = json.loads(body)
            summary = f"{event.get('type')} (attempts {(props.get('application_headers') or {}).get(ATTEMPT_HEADER, 0)})"
        except ValueError:
            event, summary = body[:2000], f"not JSON ({props.get('content_type')})"
        return DeadLetter(f"bus:{props.get('message_id') or message.delivery_tag}", "bus dead-letter queue", summary,
                          {"properties": {k: str(v) for k, v in props.items()}, "event": event})

    @staticmethod
    def _mail_letter(row) -> DeadLetter:
        detail = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()
                  if k != "message"}
        if row.message:
            detail["message"] = row.message.decode("utf-8", "replace")
        return DeadLetter(f"mail:{row.event_id}:{row.recipient}", f"mail spool ({row.status})",
                          f"{row.kind} to {row.recipient}: {row.last_error or ''}"[:200], detail)

    def show(self, letter_id: str) -> DeadLetter | None:
        return next((letter for letter in self.list() if letter.id == letter_id), None)

    def replay(self, letter_id: str | None) -> int:
        """Put one dead letter (``None``: all of them) back in line; returns how many."""
        count = 0
        if self.amqp_url and (letter_id is None or letter_id.startswith("bus:")):
            with Connection(self.amqp_url, heartbeat=0, connect_timeout=5) as conn:
                channel, messages = self._bus_messages(conn)
                producer = Producer(conn.channel())
                for message in messages:
                    if letter_id is None or self._bus_letter(message).id == letter_id:
                        props = dict(message.properties)
                        headers = dict(props.pop("application_headers", None) or {})
                        headers.pop(ATTEMPT_HEADER, None)
                        producer.publish(message.body, exchange="", routing_key=self.topology.queue_name,
                                         headers=headers, delivery_mode=2, content_type=props.get("content_type"),
                                         content_encoding=props.get("content_encoding"),
                                         message_id=props.get("message_id"))
                        channel.basic_ack(message.delivery_tag)
                        count += 1
                channel.close()
        if letter_id is None or letter_id.startswith("mail:"):
            condition = sent_mail.c.status.in_(DEAD_STATUSES)
            if letter_id is not None:
                event_id, _, recipient = letter_id[len("mail:"):].partition(":")
                condition = condition & (sent_mail.c.event_id == event_id) & (sent_mail.c.recipient == recipient)
            now = utc_now()
            with self.engine.begin() as db:
                count += db.execute(update(sent_mail).where(condition, sent_mail.c.message.is_not(None))
                                    .values(status="queued", attempts=0, created_at=now, next_attempt_at=now,
                                            sending_since=None)).rowcount
        return count
