"""Tables of identity's database and the imperative mapping of the pure domain classes onto them."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text,
)
from sqlalchemy.orm import registry

from common.db import new_metadata
from common.inbox import inbox_table
from common.outbox import outbox_table

from ..domain.model import Account, Organisation
from ..domain.tokens import ApiToken, OneTimeToken, RefreshToken

metadata = new_metadata()
mapper_registry = registry(metadata=metadata)

accounts = Table(
    "accounts", metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("kind", String(16), nullable=True),
    Column("display_name", String(255), nullable=True),
    Column("language", String(10), nullable=False),
    Column("time_zone", String(64), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The agent who invited or registered the account (it is in their scope, domain.scope).
    Column("invited_by", String(36), nullable=True),
)

one_time_tokens = Table(
    "one_time_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_one_time_tokens_account_purpose", "account_id", "purpose"),
)

refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("parent_id", String(36), nullable=True, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

organisations = Table(
    "organisations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(36), nullable=True),
)

# What each service desk touches, kept from tickets' events (domain.scope): its agents, the
# organisations linked to it or sharing its requests, its listed and involved customers.
desk_agents = Table(
    "desk_agents", metadata,
    Column("desk_id", Integer, primary_key=True),
    Column("account_id", String(36), primary_key=True, index=True),
)

desk_organisations = Table(
    "desk_organisations", metadata,
    Column("desk_id", Integer, primary_key=True),
    Column("organisation_id", Integer, primary_key=True),
    Column("linked", Boolean, nullable=False),
    Column("shared", Boolean, nullable=False),
)

desk_customers = Table(
    "desk_customers", metadata,
    Column("desk_id", Integer, primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("listed", Boolean, nullable=False),
    Column("involved", Boolean, nullable=False),
)

organisation_members = Table(
    "organisation_members", metadata,
    Column("organisation_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

_mapped = False


def start_mappers() -> None:
    """Map the domain classes onto the tables (once per process; the domain never imports this)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Account, accounts)
    mapper_registry.map_imperatively(OneTimeToken, one_time_tokens)
    mapper_registry.map_imperatively(RefreshToken, refresh_tokens)
    mapper_registry.map_imperatively(ApiToken, api_tokens)
    mapper_registry.map_imperatively(Organisation, organisations)
    _mapped = True
