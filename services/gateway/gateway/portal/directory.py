"""Look-ups many pages need (desks, request types, my organisations), memoised per request."""
from __future__ import annotations

import logging

from flask import g

from common.errors import ApiError

from . import api
from .presenters import paged_values
from .session import current_account

logger = logging.getLogger(__name__)


def _memo(key, load):
    cache = g.setdefault("_directory", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def desks() -> list[dict]:
    """Service desks the account may use."""
    return _memo("desks", lambda: paged_values(api.get("/rest/servicedeskapi/servicedesk", limit=100)))


def worked_desks() -> list[dict]:
    """The desks the signed-in agent works on (every desk for admins): the console's queues."""
    return _memo("worked", lambda: (api.get("/api/tickets/desks") or {}).get("values", []))


def desk(desk_id: str) -> dict:
    """One service desk with its description (404 when it does not exist or is not visible)."""
    return _memo(("desk", desk_id), lambda: api.get(f"/api/tickets/desks/{desk_id}"))


def request_types(desk_id: str) -> list[dict]:
    """The request types of a desk."""
    return _memo(("types", desk_id), lambda: paged_values(
        api.get(f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype", limit=100)))


def my_organisations() -> list[dict]:
    """Organisations the signed-in account belongs to (``[]`` when identity will not say)."""

    def load():
        account = current_account() or {}
        try:
            # Customers always get their own; agents get those of the account id they name.
            return paged_values(api.get("/rest/servicedeskapi/organization", accountId=account.get("id"),
                                        limit=100))
        except ApiError as exc:
            logger.info("could not list organisations: %s", exc)
            return []

    return _memo("orgs", load)


def desk_names() -> dict[str, str]:
    """Desk id -> name."""
    return {str(d.get("id")): d.get("projectName") or d.get("name") or d.get("projectKey", "") for d in desks()}
