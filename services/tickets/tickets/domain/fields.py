"""Request type fields and the validation of a new request's field values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.limits import LONG_TEXT

TEXT, TEXTAREA, SELECT = "text", "textarea", "select"
RESERVED = frozenset({"organizations"})  # handled by sharing, not stored as a field value


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    field_id: str
    label: str
    type: str = TEXT
    required: bool = False
    description: str = ""
    options: tuple[Option, ...] = field(default_factory=tuple)
    max_length: int = LONG_TEXT

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value or o.label == value), None)


def _select_value(raw: Any) -> str | None:
    if isinstance(raw, dict):
        raw = raw.get("id", raw.get("value"))
    return str(raw) if isinstance(raw, (str, int)) and str(raw) != "" else None


def validate_values(specs: list[FieldSpec], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (clean values, errors by field id); every bad or missing field is named."""
    by_id = {s.field_id: s for s in specs}
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in by_id and key not in RESERVED:
            errors[key] = [f"'{key}' is not a field of this request type."]
    for spec in specs:
        raw = values.get(spec.field_id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors[spec.field_id] = [f"'{spec.label}' is required."]
            continue
        if spec.type == SELECT:
            option = spec.option(_select_value(raw) or "")
            if option is None:
                allowed = ", ".join(o.value for o in spec.options)
                errors[spec.field_id] = [f"'{spec.label}' must be one of: {allowed}."]
            else:
                clean[spec.field_id] = option.value
            continue
        if not isinstance(raw, str):
            errors[spec.field_id] = [f"'{spec.label}' must be text."]
        elif len(raw) > spec.max_length:
            errors[spec.field_id] = [f"'{spec.label}' is longer than {spec.max_length} characters."]
        else:
            clean[spec.field_id] = raw.strip() if spec.type == TEXT else raw
    return clean, errors


SUMMARY_ID, DESCRIPTION_ID = "summary", "description"
UNTITLED = "(no subject)"


def values_from_text(specs: list[FieldSpec], title: str | None, text: str | None) -> dict[str, str]:
    """A new request's field values from text that came without a form (an email's subject and body).

    The summary is the title on one line, cut to the summary field's own limit; a title cut short is
    kept whole at the head of the description, so nothing is lost. A request type without a
    description field gets the summary alone (the email itself is kept beside the request).
    """
    by_id = {s.field_id: s for s in specs}
    whole = " ".join((title or "").split()) or UNTITLED
    limit = by_id[SUMMARY_ID].max_length if SUMMARY_ID in by_id else len(whole)
    summary = whole if len(whole) <= limit else whole[: limit - 1].rstrip() + "…"
    values = {SUMMARY_ID: summary}
    if DESCRIPTION_ID in by_id:
        body = text or ""
        description = f"{whole}\n\n{body}" if summary != whole and whole != UNTITLED else body
        values[DESCRIPTION_ID] = description[: by_id[DESCRIPTION_ID].max_length]
    return values
