"""Tables of the inbound database: every email as received, and the outbox that hands them on."""
from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, LargeBinary, String, Table, Text

from common.db import new_metadata
from common.outbox import outbox_table

metadata = new_metadata()

# One row per distinct email, written before anything else happens to it: the raw bytes are the
# record (attachments included), so nothing is lost whatever fails later.
messages = Table(
    "messages", metadata,
    Column("id", Integer, primary_key=True),
    # Message-ID (or a digest of an overlong one) and a digest of the content: a message is taken
    # once however often, and by however many transports, it is delivered.
    Column("message_key", String(255), nullable=True, unique=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("source", String(20), nullable=False),
    Column("envelope_from", String(320), nullable=True),
    Column("recipients", JSON, nullable=False, default=list),
    Column("from_address", String(320), nullable=True),
    Column("subject", String(255), nullable=True),
    Column("size", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    # handed (published as mail.received), ignored (auto-reply, bounce), dead (failed to parse).
    Column("status", String(20), nullable=False, index=True),
    Column("reason", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
