"""Tables of the tickets database (Alembic migrations are generated from this metadata)."""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Table, Text,
    UniqueConstraint, false, text,
)

from sqlalchemy.dialects.postgresql import TSVECTOR

from common.auth import CUSTOMER
from common.db import new_metadata
from common.inbox import inbox_table
from common import limits
from common.limits import LONG_TEXT, SHORT_TEXT
from common.outbox import outbox_table

metadata = new_metadata()

service_desks = Table(
    "service_desks", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(limits.text_limit("key")), nullable=False, unique=True),
    Column("name", String(limits.CATALOGUE_NAME), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    # Whether adding an unknown email as participant invites a new external customer.
    Column("invite_unknown_participants", Boolean, nullable=False, default=False),
    # Only customers added to the desk (or members of its organisations) may raise requests on it.
    Column("restricted", Boolean, nullable=False, default=False, server_default=false()),
    # The email channel: the desk's address for new requests, the request type they get, whether
    # unknown senders become external customers, and whether the MTA's DMARC pass is required.
    Column("email_address", String(320), nullable=True, unique=True),
    Column("email_request_type_id", Integer, nullable=True),
    Column("email_signup", Boolean, nullable=False, default=False, server_default=false()),
    Column("email_require_dmarc", Boolean, nullable=False, default=False, server_default=false()),
    # Whom its customers may add to their requests by name: their organisations' members, or also the
    # desk's customers (domain.sharing).
    Column("customer_sharing", String(20), nullable=False, default="organizations", server_default="organizations"),
    # The last ticket number handed out; bumped under a row lock so keys are gap-free.
    Column("last_ticket_number", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

request_types = Table(
    "request_types", metadata,
    Column("id", Integer, primary_key=True),
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(limits.CATALOGUE_NAME), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("help_text", Text, nullable=False, default=""),
    Column("issue_type", String(limits.ISSUE_TYPE), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("desk_id", "name", name="uq_request_types_desk_id_name"),
)

request_type_fields = Table(
    "request_type_fields", metadata,
    Column("id", Integer, primary_key=True),
    Column("request_type_id", Integer, ForeignKey("request_types.id", ondelete="CASCADE"), nullable=False),
    Column("field_id", String(limits.FIELD_ID), nullable=False),
    Column("label", String(limits.CATALOGUE_NAME), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("field_type", String(20), nullable=False, default="text"),
    Column("required", Boolean, nullable=False, default=False),
    Column("options", JSON, nullable=False, default=list),
    Column("max_length", Integer, nullable=False, default=LONG_TEXT),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("request_type_id", "field_id", name="uq_request_type_fields_rt_field"),
)

desk_organizations = Table(
    "desk_organizations", metadata,
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", Integer, primary_key=True),
)

desk_agents = Table(
    "desk_agents", metadata,
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), primary_key=True, index=True),
)

# Agents added by email before identity's account.created reached the replica; resolved on arrival.
desk_pending_agents = Table(
    "desk_pending_agents", metadata,
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True, index=True),
)

desk_customers = Table(
    "desk_customers", metadata,
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), primary_key=True, index=True),
)

tickets = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True),
    Column("desk_id", Integer, ForeignKey("service_desks.id"), nullable=False),
    # Given with the insert on PostgreSQL, last in the creating transaction elsewhere
    # (TicketRepository.add), so the desk's counter is locked as briefly as possible; never NULL
    # once committed.
    Column("number", Integer, nullable=True),
    Column("key", String(30), nullable=True, unique=True),
    Column("request_type_id", Integer, ForeignKey("request_types.id"), nullable=False),
    Column("reporter_id", String(64), nullable=False, index=True),
    Column("assignee_id", String(64), nullable=True, index=True),
    Column("summary", String(SHORT_TEXT), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("field_values", JSON, nullable=False, default=dict),
    Column("status", String(40), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=False),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    # Full text of the summary, description and public comments ('simple' configuration), kept by
    # triggers (migration 0008). SQLite keeps the same text in the FTS5 table ``tickets_fts`` instead.
    Column("search_vector", TSVECTOR().with_variant(Text(), "sqlite"), nullable=True),
    UniqueConstraint("desk_id", "number", name="uq_tickets_desk_id_number"),
    Index("ix_tickets_last_activity", "last_activity_at", "id"),
    # An agent queue reads one ordered range per status (and assignee) it holds (migration 0009).
    Index("ix_tickets_desk_queue", "desk_id", "status", "assignee_id", "last_activity_at", "id"),
    Index("ix_tickets_desk_status_activity", "desk_id", "status", "last_activity_at", "id"),
    Index("ix_tickets_desk_unassigned", "desk_id", "status", "last_activity_at", "id",
          postgresql_where=text("assignee_id IS NULL"), sqlite_where=text("assignee_id IS NULL")),
    Index("ix_tickets_search_vector", "search_vector", postgresql_using="gin"),
)

# One row per way of seeing a ticket (``queries.access_keys``): 'r:<account>' its reporter,
# 'p:<account>' a participant, 'o:<organisation>' a share, 'd:<desk>' the desk's agents, with the
# ticket's latest activity, so a list walks the index of each of the caller's keys in order.
# Written only by triggers (migration 0008), in the transaction of the change they follow.
ticket_access = Table(
    "ticket_access", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("last_activity_at", DateTime(timezone=True), nullable=False),
    Index("ix_ticket_access_walk", "key", "last_activity_at", "ticket_id"),
)

# How many tickets each (desk, status, assignee) holds, '' for unassigned: a desk's queue counts.
# Written only by triggers (migration 0009), in the transaction of the change they follow.
ticket_counts = Table(
    "ticket_counts", metadata,
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("assignee_id", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
)

ticket_participants = Table(
    "ticket_participants", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), primary_key=True, index=True),
)

ticket_shares = Table(
    "ticket_shares", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", Integer, primary_key=True, index=True),
)

ticket_mutes = Table(
    "ticket_mutes", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), primary_key=True),
)

# Organisation members who opted in to a shared ticket's notifications.
ticket_watchers = Table(
    "ticket_watchers", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(64), primary_key=True),
)

# Participants invited by an email nobody had an account for; become participants on account.created.
ticket_invitations = Table(
    "ticket_invitations", metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(320), primary_key=True, index=True),
    Column("invited_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("author_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ticket_history = Table(
    "ticket_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("field", String(100), nullable=True),
    Column("from_value", Text, nullable=True),
    Column("to_value", Text, nullable=True),
)

# Replica of identity's accounts and organisations, fed by identity events and by token claims.
accounts = Table(
    "accounts", metadata,
    Column("id", String(64), primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("display_name", String(200), nullable=True),
    Column("language", String(10), nullable=False, default="en"),
    Column("role", String(20), nullable=False, default=CUSTOMER),
    Column("active", Boolean, nullable=False, default=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

organizations = Table(
    "organizations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    # The agent who created it (identity's organisation.created), who may link it to their desks.
    Column("created_by", String(64), nullable=True),
)

organization_members = Table(
    "organization_members", metadata,
    Column("organization_id", Integer, primary_key=True),
    Column("account_id", String(64), primary_key=True, index=True),
)

# Uploaded files not yet attached (JSM's temporary attachments): owned by their uploader on one desk,
# swept away after ``expires_at`` with their blobs.
temporary_attachments = Table(
    "temporary_attachments", metadata,
    Column("id", String(64), primary_key=True),
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("blob_id", String(64), nullable=False),
    Column("thumbnail_blob_id", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

attachments = Table(
    "attachments", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="SET NULL"), nullable=True, index=True),
    Column("author_id", String(64), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime_type", String(255), nullable=False),
    # Content is addressed by a random id, never by the uploaded name.
    Column("blob_id", String(64), nullable=False, unique=True),
    Column("thumbnail_blob_id", String(64), nullable=True),
    Column("public", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# File contents when ATTACHMENT_STORAGE=database: chunks of at most 1 MiB, so no query ever holds a
# whole file, and a ticket and its files commit together.
attachment_blobs = Table(
    "attachment_blobs", metadata,
    Column("blob_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# Every email the tickets service was handed (``mail.received``), by its dedupe key, with what it
# became: a message is turned into a comment or request once, and automatic answers are counted.
mail_intake = Table(
    "mail_intake", metadata,
    Column("dedupe_key", String(300), primary_key=True),
    Column("raw_id", String(32), nullable=False),
    Column("sender", String(320), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    Column("reason", String(60), nullable=True),
    Column("ticket_key", String(30), nullable=True),
    Column("comment_id", Integer, nullable=True),
    Column("answered", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

# The email a request or comment came from, whole (quotes and signature included), for agents.
ticket_emails = Table(
    "ticket_emails", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=True),  # None: raised it
    Column("raw_id", String(32), nullable=False),
    Column("message_id", String(300), nullable=True),
    Column("from_address", String(320), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# New requests by email from unknown senders, waiting for identity to create their account.
pending_email_requests = Table(
    "pending_email_requests", metadata,
    Column("dedupe_key", String(300), primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("desk_id", Integer, ForeignKey("service_desks.id", ondelete="CASCADE"), nullable=False),
    Column("mail", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
