"""The organisation names a ``ticket.shared`` email announces.

The payload always names the organisations by id (``added``); their names are an additive field a
producer may carry. Accepted shapes, newest first: ``addedOrganizations`` or ``organizations`` as a
list of ``{"id"|"organizationId", "name"}``, or ``organizationNames`` as an id -> name mapping.
Only the organisations just added are named; when no name is known the email uses a generic text.
"""
from __future__ import annotations

from typing import Any


def shared_with_names(data: dict[str, Any]) -> list[str]:
    """Names of the organisations the request was just shared with, in payload order (may be empty)."""
    added = [str(i) for i in data.get("added") or []]
    names: dict[str, str] = {}
    for field in ("addedOrganizations", "organizations"):
        for item in data.get(field) or []:
            if isinstance(item, dict):
                org_id = item.get("id", item.get("organizationId"))
                if org_id is not None and isinstance(item.get("name"), str):
                    names.setdefault(str(org_id), item["name"])
    mapping = data.get("organizationNames")
    if isinstance(mapping, dict):
        for org_id, name in mapping.items():
            if isinstance(name, str):
                names.setdefault(str(org_id), name)
    return [names[i].strip() for i in added if names.get(i, "").strip()]
