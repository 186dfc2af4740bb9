"""Rules for what admins configure: desk settings, request types and their fields (pure validation).

Each function returns clean values and errors keyed by the field named in the request body, so the
API answers one 400 naming every bad field.
"""
from __future__ import annotations

import re
from typing import Any

from common.emails import is_email, normalise_email
from common.limits import CATALOGUE_NAME, CATALOGUE_TEXT, FIELD_ID as FIELD_ID_LENGTH, ISSUE_TYPE, LONG_TEXT
from common.rules import DESK_KEY_MAX, DESK_KEY_MIN, desk_key

from .defaults import SUMMARY
from .fields import RESERVED, SELECT, TEXT, TEXTAREA, FieldSpec, Option
from .sharing import SHARING

FIELD_ID = re.compile(rf"^[A-Za-z][A-Za-z0-9_]{{0,{FIELD_ID_LENGTH - 1}}}$")
FLAGS = ("active", "restricted", "allowParticipantInvites", "emailSignup", "emailRequireDmarc")
Errors = dict[str, list[str]]


def _text(values: dict, name: str, errors: Errors, required: bool, max_length: int) -> str | None:
    raw = values.get(name)
    if raw is None:
        if required:
            errors[name] = [f"'{name}' is required."]
        return None
    if not isinstance(raw, str):
        errors[name] = [f"'{name}' must be text."]
        return None
    if required and not raw.strip():
        errors[name] = [f"'{name}' cannot be empty."]
    elif len(raw) > max_length:
        errors[name] = [f"'{name}' is longer than {max_length} characters."]
    return raw.strip()


def new_desk(values: Any) -> tuple[dict, Errors]:
    """Validate ``{"key", "name", "description"}`` of a new desk (the key is upper-cased)."""
    values = values if isinstance(values, dict) else {}
    errors: Errors = {}
    key = _text(values, "key", errors, True, DESK_KEY_MAX)
    if key and "key" not in errors:
        key = desk_key(key)
        if key is None:
            errors["key"] = [f"'key' must be {DESK_KEY_MIN} to {DESK_KEY_MAX} letters or digits, "
                             "starting with a letter (e.g. AM)."]
    clean = {"key": key, "name": _text(values, "name", errors, True, CATALOGUE_NAME),
             "description": _text(values, "description", errors, False, CATALOGUE_TEXT) or ""}
    return clean, errors


def desk_changes(values: Any) -> tuple[dict, Errors]:
    """Validate a PATCH of desk settings: any of name, description, customerSharing and the three flags."""
    values = values if isinstance(values, dict) else {}
    errors: Errors = {}
    clean: dict = {}
    known = {"name", "description", "emailAddress", "emailRequestTypeId", "customerSharing", *FLAGS}
    for name in sorted(set(values) - known):
        errors[name] = [f"'{name}' cannot be changed; use one of {', '.join(sorted(known))}."]
    if "name" in values:
        clean["name"] = _text(values, "name", errors, True, CATALOGUE_NAME)
    if "description" in values:
        clean["description"] = _text(values, "description", errors, False, CATALOGUE_TEXT) or ""
    if "emailAddress" in values:
        address = values["emailAddress"]
        if address in (None, ""):
            clean["emailAddress"] = None
        elif not isinstance(address, str) or not is_email(address) or "+" in address:
            errors["emailAddress"] = ["'emailAddress' must be a plain address such as am@support.example.com "
                                      "(no '+' tag: replies use tags on it), or null for none."]
        else:
            clean["emailAddress"] = normalise_email(address)
    if "emailRequestTypeId" in values:
        raw = values["emailRequestTypeId"]
        if raw in (None, ""):
            clean["emailRequestTypeId"] = None
        elif str(raw).isdigit() and not isinstance(raw, bool):
            clean["emailRequestTypeId"] = int(raw)
        else:
            errors["emailRequestTypeId"] = ["'emailRequestTypeId' must be the id of one of the desk's request types."]
    if "customerSharing" in values:
        if values["customerSharing"] in SHARING:
            clean["customerSharing"] = values["customerSharing"]
        else:
            errors["customerSharing"] = [f"'customerSharing' must be one of {', '.join(SHARING)}."]
    for flag in FLAGS:
        if flag in values:
            if isinstance(values[flag], bool):
                clean[flag] = values[flag]
            else:
                errors[flag] = [f"'{flag}' must be true or false."]
    return clean, errors


def new_request_type(values: Any) -> tuple[dict, Errors]:
    """Validate JSM's ``{"name", "description", "helpText", "issueTypeId"}``."""
    values = values if isinstance(values, dict) else {}
    errors: Errors = {}
    clean = {"name": _text(values, "name", errors, True, CATALOGUE_NAME),
             "description": _text(values, "description", errors, False, CATALOGUE_TEXT) or "",
             "help_text": _text(values, "helpText", errors, False, CATALOGUE_TEXT) or "",
             "issue_type": _text(values, "issueTypeId", errors, False, ISSUE_TYPE) or "Service request"}
    return clean, errors


def request_type_changes(values: Any) -> tuple[dict, Errors]:
    """Validate a partial ``{"name", "description", "helpText"}``; the keys are the table's columns."""
    if not isinstance(values, dict) or not values:
        return {}, {"body": ["Send a JSON object with name, description or helpText."]}
    errors: Errors = {}
    unknown = sorted(set(values) - {"name", "description", "helpText"})
    if unknown:
        errors["body"] = [f"Unknown setting(s): {', '.join(unknown)}; a request type has name, description, helpText."]
    clean = {}
    if "name" in values:
        clean["name"] = _text(values, "name", errors, True, CATALOGUE_NAME)
    if "description" in values:
        clean["description"] = _text(values, "description", errors, False, CATALOGUE_TEXT) or ""
    if "helpText" in values:
        clean["help_text"] = _text(values, "helpText", errors, False, CATALOGUE_TEXT) or ""
    return clean, errors


def _option(raw: Any, where: str, errors: Errors) -> Option | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), str) or not raw["value"].strip():
        errors.setdefault(where, []).append("Each option needs a non-empty 'value' (and a 'label').")
        return None
    label = raw.get("label") if isinstance(raw.get("label"), str) and raw["label"].strip() else raw["value"]
    return Option(raw["value"].strip(), label.strip())


def field_specs(raw: Any) -> tuple[tuple[FieldSpec, ...], Errors]:
    """Validate the ordered field list of a request type; ``summary`` must be there and required."""
    if not isinstance(raw, list) or not raw:
        return (), {"fields": ["Send a non-empty JSON array of fields."]}
    errors: Errors = {}
    specs, seen = [], set()
    for index, item in enumerate(raw):
        at = f"[{index}]"
        if not isinstance(item, dict):
            errors[at] = ["Each field is an object with fieldId, name, required, type and options."]
            continue
        field_id = item.get("fieldId")
        if not isinstance(field_id, str) or not FIELD_ID.match(field_id):
            errors[f"{at}.fieldId"] = ["'fieldId' must be a letter followed by letters, digits or '_'."]
        elif field_id in RESERVED:
            errors[f"{at}.fieldId"] = [f"'{field_id}' is reserved (sharing is not a field)."]
        elif field_id in seen:
            errors[f"{at}.fieldId"] = [f"'{field_id}' appears twice."]
        seen.add(field_id)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            errors[f"{at}.name"] = ["'name' (the label customers see) is required."]
        elif len(name.strip()) > CATALOGUE_NAME:
            errors[f"{at}.name"] = [f"'name' is longer than {CATALOGUE_NAME} characters."]
        kind = item.get("type", TEXT)
        if kind not in (TEXT, TEXTAREA, SELECT):
            errors[f"{at}.type"] = ["'type' must be text, textarea or select."]
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors[f"{at}.required"] = ["'required' must be true or false."]
        options = [o for o in (_option(o, f"{at}.options", errors) for o in (item.get("options") or []))
                   if o is not None] if isinstance(item.get("options") or [], list) else []
        if kind == SELECT and not options and f"{at}.options" not in errors:
            errors[f"{at}.options"] = ["A select field needs at least one option."]
        if not any(k.startswith(at + ".") or k == at for k in errors):
            specs.append(FieldSpec(field_id, name.strip(), kind, required, str(item.get("description") or ""),
                                   tuple(options) if kind == SELECT else (),
                                   SUMMARY.max_length if field_id == SUMMARY.field_id else LONG_TEXT))
    summary = next((s for s in specs if s.field_id == "summary"), None)
    if "summary" not in seen:
        errors["summary"] = ["Every request type needs a 'summary' field."]
    elif summary is not None and (not summary.required or summary.type != TEXT):
        errors["summary"] = ["The 'summary' field must be a required text field."]
    return tuple(specs), errors
