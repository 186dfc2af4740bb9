"""Pure parsing of the desk administration forms (no Flask here)."""
from __future__ import annotations

from typing import Mapping

from common.rules import desk_key

from ..portal.presenters import field_kind

SETTINGS = ("active", "restricted", "allowParticipantInvites", "emailSignup", "emailRequireDmarc")
# Whom customers may add to the desk's requests by name (tickets' domain.sharing).
SHARING = ("organizations", "desk")
FIELD_TYPES = ("text", "textarea", "select")
BLANK_ROWS = 3


def setting_value(raw: str | None) -> bool | None:
    """A yes/no select as a boolean; None means "leave as it is"."""
    return {"true": True, "false": False}.get(raw or "")


def new_desk(form: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """The POST body of the new-desk form and what is wrong with it ("key", "name"), by field.

    The key follows ``common.rules.desk_key``, the rule tickets applies too; a refused key is shown
    back as typed (upper-cased).
    """
    values = {k: str(form.get(k) or "").strip() for k in ("key", "name", "description")}
    key = desk_key(values["key"])
    values["key"] = key or values["key"].upper()
    errors = {}
    if key is None:
        errors["key"] = "key"
    if not values["name"]:
        errors["name"] = "name"
    return values, errors


def desk_changes(form: Mapping[str, str]) -> dict:
    """The PATCH body of the desk form: name, description and the settings the admin chose."""
    changes: dict = {"name": (form.get("name") or "").strip(),
                     "description": (form.get("description") or "").strip()}
    for setting in SETTINGS:
        value = setting_value(form.get(setting))
        if value is not None:
            changes[setting] = value
    if "emailAddress" in form:
        changes["emailAddress"] = (form.get("emailAddress") or "").strip() or None
    if "emailRequestTypeId" in form:
        changes["emailRequestTypeId"] = (form.get("emailRequestTypeId") or "").strip() or None
    if form.get("customerSharing") in SHARING:
        changes["customerSharing"] = form["customerSharing"]
    return changes


def parse_options(raw: str) -> list[dict]:
    """Options typed one per line, ``value | label`` or just ``label`` (then the value is the label)."""
    options = []
    for line in (raw or "").splitlines():
        if not line.strip():
            continue
        value, sep, label = line.partition("|")
        value, label = value.strip(), label.strip()
        options.append({"value": value, "label": label if sep and label else value})
    return options


def format_options(options: list[dict] | None) -> str:
    """Options back into the ``value | label`` lines of the form."""
    lines = []
    for o in options or []:
        value, label = str(o.get("value", "")), str(o.get("label", ""))
        lines.append(value if not label or label == value else f"{value} | {label}")
    return "\n".join(lines)


def field_rows(fields: list[dict]) -> list[dict]:
    """Editable rows from JSM RequestTypeFieldDTOs (the built-in "Share with" field is not editable)."""
    rows = []
    for f in fields:
        if f.get("fieldId") == "organizations":
            continue
        rows.append({"fieldId": f.get("fieldId", ""), "name": f.get("name", ""), "required": bool(f.get("required")),
                     "type": field_kind(f), "options": format_options(f.get("validValues"))})
    return rows


def parse_fields(form: Mapping[str, str], count: int) -> tuple[list[dict], dict[str, str]]:
    """The PUT body of the fields form and errors keyed ``row-<n>``, n counting kept rows only.

    Rows left blank or ticked "remove" are dropped, so the page shown again lists exactly the kept rows.
    """
    fields, errors, seen = [], {}, set()
    for n in range(count):
        field_id = (form.get(f"fieldId-{n}") or "").strip()
        name = (form.get(f"name-{n}") or "").strip()
        if form.get(f"remove-{n}") or (not field_id and not name):
            continue
        kind = form.get(f"type-{n}") or "text"
        options = parse_options(form.get(f"options-{n}", ""))
        row = f"row-{len(fields)}"
        if not field_id or not name:
            errors[row] = "id_and_name"
        elif field_id in seen:
            errors[row] = "duplicate"
        elif kind not in FIELD_TYPES:
            errors[row] = "type"
        elif kind == "select" and not options:
            errors[row] = "options"
        seen.add(field_id)
        field = {"fieldId": field_id, "name": name, "required": bool(form.get(f"required-{n}")), "type": kind}
        if kind == "select":
            field["options"] = options
        fields.append(field)
    return fields, errors
