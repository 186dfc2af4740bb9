"""Builds the intake every transport shares (engines are made here, connections on first use)."""
from __future__ import annotations

from common.db import make_engine, make_session_factory
from common.outbox import Outbox

from .intake import Intake
from .settings import Settings
from .store.tables import outbox


def build_intake(settings: Settings) -> Intake:
    """The intake on this service's database, writing events for ``<prefix>inbound.events``."""
    session_factory = make_session_factory(make_engine(settings.database_url))
    return Intake(session_factory, Outbox(outbox, settings.exchange), settings)
