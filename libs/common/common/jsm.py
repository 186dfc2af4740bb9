"""JSM REST conventions shared by identity and tickets: paging envelope, DateDTO, UserDTO, query parsing."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from flask import g, request

from .errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Ids and offsets fit PostgreSQL's integer; a page starting past this is empty anyway.
MAX_INT = 2**31 - 1


def parse_bool(value: str | None, default: bool, name: str) -> bool:
    """JSM clients send ``true``/``True``/``false``/``False``; anything else is a 400 naming the parameter."""
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise BadRequest(f"Query parameter '{name}' must be true or false, not '{value}'.")


def parse_int(value: str | None, default: int, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be a whole number, not '{value}'.") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadRequest(f"Query parameter '{name}' must be {bound}.")
    return number


def paging(args: Mapping[str, str] | None = None) -> tuple[int, int]:
    """Read ``start`` (0-based, below 2**31) and ``limit`` (default 50, at most 100) from the query string."""
    args = request.args if args is None else args
    start = parse_int(args.get("start"), 0, "start", maximum=MAX_INT)
    limit = parse_int(args.get("limit"), DEFAULT_LIMIT, "limit", minimum=1, maximum=MAX_LIMIT)
    return start, limit


def base_url() -> str:
    """The public base URL of the API, as the client reached it through the gateway."""
    # Read once per request: a page of 50 requests names it in every link of every user and request.
    store = g._get_current_object()
    found = getattr(store, "jsm_base_url", None)
    if found is None:
        # The environ, as ``request.headers`` would read it; the request's own scheme and host only
        # when no proxy names them.
        req = request._get_current_object()
        environ = req.environ
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        if proto is None:
            proto = req.scheme
        host = environ.get("HTTP_X_FORWARDED_HOST")
        if host is None:
            host = req.host
        found = store.jsm_base_url = f"{proto}://{host}"
    return found


def _page_link(base: str, path: str, query: list[tuple[str, str]], start: int, limit: int) -> str:
    if not query:
        # What urlencode makes of two whole numbers: a page of 50 expanded requests links 100 sub-pages,
        # and urlencode's quoting cost more than building the rest of their answer.
        return f"{base}{path}?start={int(start)}&limit={int(limit)}"
    return f"{base}{path}?" + urlencode([*query, ("start", start), ("limit", limit)])


def paged(values: Sequence[Any], start: int, limit: int, is_last_page: bool, path: str | None = None,
          base: str | None = None) -> dict:
    """JSM's PagedDTO envelope around one page of ``values``.

    The links of the request's own page keep its query string (filters, ``expand``), so following
    ``next`` walks the same list; an expansion's page (``path``) links to its sub-resource plainly.
    ``base``: ``base_url()`` when the caller already holds it.
    """
    base = base or base_url()
    if path:
        self_path, query = path, []
    else:
        req = request._get_current_object()
        self_path = req.path
        query = [(k, v) for k, v in req.args.items(multi=True) if k not in ("start", "limit")]
    links = {"base": base, "context": "", "self": _page_link(base, self_path, query, start, limit)}
    if not is_last_page:
        links["next"] = _page_link(base, self_path, query, start + limit, limit)
    if start > 0:
        links["prev"] = _page_link(base, self_path, query, max(0, start - limit), limit)
    return {
        "_expands": [],
        "size": len(values),
        "start": start,
        "limit": limit,
        "isLastPage": is_last_page,
        "_links": links,
        "values": list(values),
    }


def date_dto(moment: datetime | None) -> dict | None:
    """JSM's DateDTO for a moment in time (UTC)."""
    if moment is None:
        return None
    # A copy of the formatted moment: a page repeats moments (status dates, comments) and formatting
    # one costs three strftime calls; the copy keeps each answer's dicts its own.
    return dict(_date_dto(moment))


@lru_cache(maxsize=4096)
def _date_dto(moment: datetime) -> dict:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return {
        "iso8601": moment.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jira": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z"),
        "friendly": moment.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(moment.timestamp() * 1000),
    }


def user_dto(account_id: str, email: str, display_name: str | None, active: bool = True,
             time_zone: str | None = None, base: str | None = None) -> dict:
    """JSM's UserDTO; ``name`` and ``key`` carry the email so Server-style clients can refer to users by it
    (``base``: ``base_url()`` when the caller already holds it)."""
    base = base or base_url()
    dto = {
        "accountId": account_id,
        "name": email,
        "key": email,
        "emailAddress": email,
        "displayName": display_name or email,
        "active": active,
        "_links": {
            "jiraRest": f"{base}/rest/api/2/user?accountId={account_id}",
            "avatarUrls": {},
            "self": f"{base}/rest/api/2/user?accountId={account_id}",
        },
    }
    if time_zone:
        dto["timeZone"] = time_zone
    return dto


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what was wrong with it."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data
