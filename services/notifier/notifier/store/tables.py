"""Tables of the notifier's database (its Alembic migrations are generated from this metadata)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, String, Table

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

# One row per (event, recipient) once the channel accepted the email, so a redelivery never mails twice.
sent_mail = Table(
    "sent_mail",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("recipient", String(320), primary_key=True),
    Column("message_id", String(255), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    # The action that caused the event (CloudEvents ``correlationid``) and its ticket, so the emails
    # of one action can be folded into one (see ``domain.batching``).
    Column("correlation_id", String(64), nullable=True),
    Column("ticket_key", String(32), nullable=True),
)
Index("ix_sent_mail_correlation_id", sent_mail.c.correlation_id, sent_mail.c.recipient)
