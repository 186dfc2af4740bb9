"""Demo desks and request types for ``make run`` (idempotent: loading twice changes nothing)."""
from __future__ import annotations

import logging

from common.db import make_engine, make_session_factory, transaction

from .domain.fields import SELECT, TEXT, TEXTAREA, FieldSpec, Option
from .settings import Settings
from .store.desks import DeskRepository

logger = logging.getLogger(__name__)

DESKS = (
    ("AM", "Audio Matching", "Audio matching of broadcast and streamed content."),
    ("TV", "TV Audience", "TV audience measurement data and reports."),
    ("RA", "Radio Audience", "Radio audience measurement data and reports."),
)

SUMMARY = FieldSpec("summary", "What do you need?", TEXT, required=True, max_length=255)


def _description(label: str) -> FieldSpec:
    return FieldSpec("description", label, TEXTAREA)


REQUEST_TYPES = (
    ("Incident", "Incident", "Something is broken or not working as expected.",
     "Tell us what happened, when, and what you expected instead.",
     (SUMMARY, _description("What happened?"),
      # Optional, so JSM clients that send only summary and description can raise incidents.
      FieldSpec("impact", "Impact", SELECT, options=(
          Option("low", "Low: a minor inconvenience"), Option("medium", "Medium: work is slowed down"),
          Option("high", "High: work is blocked"))))),
    ("Feature request", "Feature request", "Suggest an improvement or a new capability.",
     "Describe the need and who would benefit.",
     (SUMMARY, _description("Why do you need this?"))),
    ("Question", "Question", "Ask how something works.",
     "Ask your question; include links or examples if useful.",
     (SUMMARY, _description("Details"))),
)


def load(settings: Settings) -> None:
    """Create the demo desks and their request types unless they exist."""
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            desks = DeskRepository(session)
            for key, name, description in DESKS:
                if desks.get(key) is not None:
                    continue
                desk = desks.add(key, name, description)
                for position, (rt_name, issue_type, rt_desc, help_text, fields) in enumerate(REQUEST_TYPES):
                    desks.add_request_type(desk.id, rt_name, issue_type, rt_desc, help_text, fields, position)
                logger.info("demo desk %s created", key)
    finally:
        engine.dispose()
