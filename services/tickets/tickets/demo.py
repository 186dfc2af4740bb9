"""Demo desks, request types and agent memberships for ``make run`` (idempotent).

agent@example.com is put on every demo desk by email: if identity's account.created has not reached
the replica yet, the membership waits for it (``desk_pending_agents``) and the worker resolves it.
"""
from __future__ import annotations

import logging

from common.db import make_engine, make_session_factory, transaction
from common.outbox import Outbox

from . import desk_events

from .domain.defaults import REQUEST_TYPES
from .settings import Settings
from .store.accounts import AccountRepository
from .store.desks import DeskRepository
from .store.tables import desk_agents, outbox

logger = logging.getLogger(__name__)

DESKS = (
    ("AM", "Audio Matching", "Audio matching of broadcast and streamed content."),
    ("TV", "TV Audience", "TV audience measurement data and reports."),
    ("RA", "Radio Audience", "Radio audience measurement data and reports."),
)
# Each demo desk takes requests by email (as .eml files in var/mail-in for make run); Audio
# Matching also turns unknown senders into external customers.
EMAIL = {"AM": ("am@support.example.com", True), "TV": ("tv@support.example.com", False),
         "RA": ("ra@support.example.com", False)}
DEMO_AGENT = "agent@example.com"


def add_desk(desks: DeskRepository, key: str, name: str, description: str, invite: bool = False):
    """A new desk with the default request types."""
    desk = desks.add(key, name, description, invite_unknown=invite)
    for position, (rt_name, issue_type, rt_desc, help_text, fields) in enumerate(REQUEST_TYPES):
        desks.add_request_type(desk.id, rt_name, issue_type, rt_desc, help_text, fields, position)
    return desk


def add_agent(session, desk_id: int, email: str, exchange: str) -> str:
    """Make ``email`` an agent of the desk now, or as soon as its account reaches the replica."""
    desks = DeskRepository(session)
    account = AccountRepository(session).by_email(email)
    if account is None:
        desks.add_pending_agents(desk_id, [email])
        return "pending"
    desks.add_members(desk_agents, desk_id, [account.id])
    Outbox(outbox, exchange).add(
        session, [desk_events.agents_changed(session, desks.get(desk_id))])
    return "added"


def load(settings: Settings, agent_email: str = DEMO_AGENT) -> None:
    """Create the demo desks unless they exist, and put the demo agent on each of them."""
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            desks = DeskRepository(session)
            for key, name, description in DESKS:
                desk = desks.get(key)
                if desk is None:
                    desk = add_desk(desks, key, name, description, invite=True)
                    address, signup = EMAIL[key]
                    question = next(rt for rt in desks.request_types(desk.id) if rt.name == "Question")
                    desks.update(desk.id, {"emailAddress": address, "emailSignup": signup,
                                           "emailRequestTypeId": question.id})
                    logger.info("demo desk %s created", key)
                logger.info("demo agent %s on %s: %s", agent_email, key, add_agent(session, desk.id, agent_email, settings.exchange))
    finally:
        engine.dispose()
