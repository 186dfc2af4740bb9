"""Demo data of ``make run`` (PRODUCT.md "Fixed conventions"); loading twice changes nothing."""
from __future__ import annotations

import logging

from common.auth import Principal
from common.db import make_engine, make_session_factory

from .services import accounts, organisations
from .services.base import Deps
from .settings import Settings

logger = logging.getLogger(__name__)

PASSWORD = "demo-password-1"
ACCOUNTS = (
    ("agent@example.com", "agent", "Alex Agent"),
    ("admin@example.com", "admin", "Ada Admin"),
    ("alice@example.com", "customer", "Alice Example"),
    ("bob@example.com", "customer", "Bob Example"),
    ("carol@example.com", "customer", "Carol Example"),
    ("dave@example.com", "customer", "Dave Example"),
)
ORGANISATIONS = (
    ("Acme Media", ("alice@example.com", "bob@example.com")),
    ("Northwind Radio", ("dave@example.com",)),
)


def load(settings: Settings) -> None:
    """Create the demo accounts and organisations that are missing, through the normal use cases (so events go out)."""
    from .app import build_deps

    engine = make_engine(settings.database_url)
    try:
        load_with(build_deps(settings, make_session_factory(engine)))
    finally:
        engine.dispose()


def load_with(deps: Deps) -> None:
    ids = {}
    for email, role, name in ACCOUNTS:
        with deps.uow() as uow:
            existing = uow.repo.account_by_email(email)
        if existing is None:
            existing = accounts.create_account(deps, email=email, password=PASSWORD, role=role, display_name=name)
        ids[email] = existing.id
    # The demo agent made the organisations, so they are within the agent's reach from the start.
    agent = Principal(id=ids["agent@example.com"], email="agent@example.com", role="agent")
    for name, members in ORGANISATIONS:
        with deps.uow() as uow:
            org = uow.repo.organisation_by_name(name)
        if org is None:
            org = organisations.create(deps, actor=agent, name=name)
        admin = Principal(id=ids["admin@example.com"], email="admin@example.com", role="admin")
        organisations.add_members(deps, actor=admin, org_id=org.id, account_ids=None, emails=list(members))
    logger.info("identity demo data loaded")
