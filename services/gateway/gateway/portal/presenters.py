"""Pure helpers that read JSM DTOs for templates (no Flask here, so they test without an app)."""
from __future__ import annotations

from typing import Any, Iterable

OPEN_CATEGORIES = ("NEW", "INDETERMINATE", "UNDEFINED")


def field_entries(dto: dict) -> list[dict]:
    """``requestFieldValues`` as a list of ``{fieldId, label, value}`` (JSM outputs a list)."""
    values = dto.get("requestFieldValues") or []
    if isinstance(values, dict):
        return [{"fieldId": k, "label": k, "value": v} for k, v in values.items()]
    return [v for v in values if isinstance(v, dict)]


def field_value(dto: dict, field_id: str, default: Any = "") -> Any:
    """The value of one request field, or ``default``."""
    for entry in field_entries(dto):
        if entry.get("fieldId") == field_id:
            return entry.get("value", default)
    return default


def summary_of(dto: dict) -> str:
    """The request's summary (its title)."""
    return str(field_value(dto, "summary") or dto.get("summary") or dto.get("issueKey") or "")


def display(value: Any) -> str:
    """A field value as text: option labels, names, or the plain value."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or value.get("value") or value.get("id") or "")
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v) for v in value)
    return str(value)


def other_fields(dto: dict) -> list[dict]:
    """Fields to list under the description (everything but summary, description and sharing)."""
    hidden = {"summary", "description", "organizations", "organization"}
    return [e for e in field_entries(dto) if e.get("fieldId") not in hidden and display(e.get("value"))]


def status_name(dto: dict) -> str:
    """The current status name of a request."""
    return str((dto.get("currentStatus") or {}).get("status") or "")


def is_open(dto: dict) -> bool:
    """Whether the request is still open (status category not DONE)."""
    return (dto.get("currentStatus") or {}).get("statusCategory") != "DONE"


def status_class(name: str) -> str:
    """A CSS class for a status badge."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in (name or "").lower()).strip("-")
    return f"status status-{slug}" if slug else "status"


def friendly_date(date_dto: Any) -> str:
    """A JSM DateDTO or an ISO 8601 string as ``YYYY-MM-DD HH:MM`` (UTC as the service gave it)."""
    iso = str(date_dto.get("iso8601") or "") if isinstance(date_dto, dict) else str(date_dto or "")
    if len(iso) >= 16 and iso[10] == "T":
        return iso[:10] + " " + iso[11:16]
    if isinstance(date_dto, dict):
        return str(date_dto.get("friendly") or iso)
    return iso


def paged_values(answer: Any) -> list:
    """The items of a JSM paged envelope (or of a plain list)."""
    if isinstance(answer, dict):
        return list(answer.get("values") or [])
    if isinstance(answer, list):
        return answer
    return []


def default_share(organisations: Iterable[dict]) -> str:
    """The preselected "Share with" value: the organisation when there is exactly one, else private."""
    organisations = list(organisations)
    return str(organisations[0]["id"]) if len(organisations) == 1 else ""


def field_kind(field: dict) -> str:
    """How to render a request-type field: ``select``, ``textarea`` or ``text``."""
    schema = field.get("jiraSchema") or {}
    if field.get("validValues"):
        return "select"
    if field.get("fieldId") == "description" or schema.get("system") == "description" \
            or "textarea" in str(schema.get("custom", "")):
        return "textarea"
    return "text"


def page_window(start: int, limit: int, size: int, is_last: bool) -> dict:
    """Previous/next page starts for a paged list (None when there is no such page)."""
    return {
        "prev": max(0, start - limit) if start > 0 else None,
        "next": start + limit if not is_last and size else None,
        "first": start + 1 if size else 0,
        "last": start + size,
    }
