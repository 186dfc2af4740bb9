"""The request types every new service desk starts with (Incident, Feature request, Question)."""
from __future__ import annotations

from common.limits import SHORT_TEXT

from .fields import SELECT, TEXT, TEXTAREA, FieldSpec, Option

SUMMARY = FieldSpec("summary", "What do you need?", TEXT, required=True, max_length=SHORT_TEXT)


def description_field(label: str) -> FieldSpec:
    return FieldSpec("description", label, TEXTAREA)


REQUEST_TYPES = (
    ("Incident", "Incident", "Something is broken or not working as expected.",
     "Tell us what happened, when, and what you expected instead.",
     (SUMMARY, description_field("What happened?"),
      # Optional, so JSM clients that send only summary and description can raise incidents.
      FieldSpec("impact", "Impact", SELECT, options=(
          Option("low", "Low: a minor inconvenience"), Option("medium", "Medium: work is slowed down"),
          Option("high", "High: work is blocked"))))),
    ("Feature request", "Feature request", "Suggest an improvement or a new capability.",
     "Describe the need and who would benefit.",
     (SUMMARY, description_field("Why do you need this?"))),
    ("Question", "Question", "Ask how something works.",
     "Ask your question; include links or examples if useful.",
     (SUMMARY, description_field("Details"))),
)
