"""Tables of the notifier's database (its Alembic migrations are generated from this metadata)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, LargeBinary, String, Table, Text

from common.db import new_metadata
from common.inbox import inbox_table

metadata = new_metadata()

inbox = inbox_table(metadata)

# What the notifier knows of each account, learnt from account.created/updated events.
accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("display_name", String(255), nullable=True),
    Column("language", String(10), nullable=False, default="en"),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # The CloudEvents time of the event that wrote the row: an older event never overwrites a newer one.
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The mail spool, one row per (event, recipient): written with the event's inbox row when the event
# is handled (so a redelivery never queues twice), then sent by ``notifier.spool.Sender``.
# status: queued -> sending -> sent; bounced (a permanent 5xx refusal); parked (temporary failures
# for longer than SMTP_MAX_AGE, or a message that cannot be sent): both wait for a replay.
sent_mail = Table(
    "sent_mail",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("recipient", String(320), primary_key=True),
    Column("message_id", String(255), nullable=False),
    Column("kind", String(50), nullable=False),
    # When the channel accepted the email (None until then).
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # The action that caused the event (CloudEvents ``correlationid``) and its ticket, so the emails
    # of one action can be folded into one (see ``domain.batching``).
    Column("correlation_id", String(64), nullable=True),
    Column("ticket_key", String(32), nullable=True),
    Column("status", String(10), nullable=False, server_default="sent"),
    Column("message", LargeBinary, nullable=True),  # the RFC 5322 bytes, until sent
    Column("created_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    # Set (and committed) before the email is handed to the server: a row still "sending" after the
    # lease had its sender die mid-send, the one case that may mail twice (counted in ``resent``).
    Column("sending_since", DateTime(timezone=True), nullable=True),
    Column("resent", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
)
Index("ix_sent_mail_correlation_id", sent_mail.c.correlation_id, sent_mail.c.recipient)
Index("ix_sent_mail_due", sent_mail.c.status, sent_mail.c.next_attempt_at)
