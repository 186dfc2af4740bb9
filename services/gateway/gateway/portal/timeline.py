"""A request's history and comments as one timeline, oldest first, each change said in the reader's language."""
from __future__ import annotations

import logging

from common.errors import ApiError

from ..i18n import _
from ..names import status_label
from . import api

logger = logging.getLogger(__name__)

# What a customer's page shows of the history besides the comments (PRODUCT: the status changes).
CUSTOMER_KINDS = frozenset({"created", "status"})
SHORT = 80


def history(key: str) -> list[dict] | None:
    """The request's history entries (None when the tickets service will not give them)."""
    try:
        return (api.get(f"/api/tickets/requests/{key}/history") or {}).get("values") or []
    except ApiError as exc:
        if exc.status >= 500:
            raise
        logger.info("history of %s not read: %s", key, exc)
        return None


def _short(value) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def _name(entry: dict, side: str) -> str:
    named = entry.get(f"{side}Named") or {}
    if named.get("user"):
        user = named["user"]
        return user.get("displayName") or user.get("emailAddress") or _("someone")
    if named.get("organization"):
        return named["organization"].get("name") or ""
    return str(entry.get(side) or "")


def describe(entry: dict) -> str | None:
    """What a history entry says ("changed the status from … to …"); None for entries shown otherwise."""
    kind = entry.get("kind")
    if kind == "created":
        return _("raised the request")
    if kind == "status":
        if entry.get("from"):
            return _("changed the status from %(from)s to %(to)s", **{"from": status_label(entry["from"]),
                                                                        "to": status_label(entry.get("to"))})
        return _("set the status to %(to)s", to=status_label(entry.get("to")))
    if kind == "assignee":
        return _("assigned the request to %(name)s", name=_name(entry, "to")) if entry.get("to") \
            else _("unassigned the request")
    if kind == "participant_added":
        return _("added %(name)s as a participant", name=_name(entry, "to"))
    if kind == "participant_removed":
        return _("removed %(name)s from the participants", name=_name(entry, "from"))
    if kind == "participant_invited":
        return _("invited %(email)s to follow the request", email=entry.get("to") or "")
    if kind == "shared":
        return _("shared the request with %(organisation)s", organisation=_name(entry, "to"))
    if kind == "unshared":
        return _("stopped sharing the request with %(organisation)s", organisation=_name(entry, "from"))
    if kind == "field":
        field = {"summary": _("Summary"), "description": _("Description")}.get(entry.get("field"), entry.get("field"))
        if not entry.get("to"):
            return _("cleared “%(field)s”", field=field)
        return _("changed “%(field)s” to “%(value)s”", field=field, value=_short(entry.get("to")))
    if kind == "attachment":
        return _("attached %(file)s", file=entry.get("field") or "")
    return None


def _when(dto) -> str:
    return str((dto or {}).get("iso8601") or "") if isinstance(dto, dict) else str(dto or "")


def build(entries: list[dict] | None, comments: list[dict], kinds: frozenset[str] | None = None) -> list[dict]:
    """Comments and described history entries in time order; ``kinds`` limits the history shown."""
    items = [{"type": "comment", "at": _when(c.get("created")), "order": 0, "comment": c,
              "internal": not c.get("public", True)} for c in comments]
    for entry in entries or []:
        if kinds is not None and entry.get("kind") not in kinds:
            continue
        text = describe(entry)
        if text is None:
            continue
        items.append({"type": "change", "at": _when(entry.get("at")), "order": 1, "kind": entry.get("kind"),
                      "text": text, "actor": entry.get("actor") or {}, "date": entry.get("at"),
                      "internal": entry.get("to") == "internal"})
    return sorted(items, key=lambda i: (i["at"], i["order"]))
