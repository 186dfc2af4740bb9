"""Turns upstream answers into local exceptions, so views handle one error vocabulary.

Hierarchy (all from ``common.errors``)::

    ApiError
    ├── BadRequest / ValidationFailed   upstream 400 / 422
    ├── Unauthorized                    upstream 401
    ├── Forbidden, NotFound, Conflict, Gone, TooManyRequests
    └── ServiceUnavailable              upstream unreachable, or 502/503/504
"""
from __future__ import annotations

from typing import Any

import httpx

from common import errors

_BY_STATUS: dict[int, type[errors.ApiError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    410: errors.Gone,
    413: errors.PayloadTooLarge,
    422: errors.ValidationFailed,
    502: errors.ServiceUnavailable,
    503: errors.ServiceUnavailable,
    504: errors.ServiceUnavailable,
}


def from_upstream(exc: errors.ApiError) -> errors.ApiError:
    """Mark ``exc`` as words of a service behind the gateway (English): pages then say it in their own language."""
    exc.upstream = True
    return exc


def unavailable(upstream: str) -> errors.ServiceUnavailable:
    """The error for an upstream that cannot be reached."""
    return from_upstream(errors.ServiceUnavailable(
        f"The {upstream} service is unavailable at the moment; try again in a little while.",
        headers={"Retry-After": "5"},
    ))


def message_of(body: Any, status: int) -> str:
    """The human message of a JSM error body (``errorMessage`` or ``errorMessages``)."""
    if isinstance(body, dict):
        if body.get("errorMessage"):
            return str(body["errorMessage"])
        if body.get("errorMessages"):
            return "; ".join(str(m) for m in body["errorMessages"])
        if body.get("message"):
            return str(body["message"])
    return f"The request failed (HTTP {status})."


def from_response(response: httpx.Response, upstream: str) -> errors.ApiError:
    """The local exception matching an upstream error response."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if status in (502, 503, 504):
        return unavailable(upstream)
    message = message_of(body, status)
    field_errors = body.get("errors") if isinstance(body, dict) and isinstance(body.get("errors"), dict) else None
    if status == 429:
        retry = response.headers.get("Retry-After", "5")
        return from_upstream(errors.TooManyRequests(message, retry_after=int(retry) if retry.isdigit() else 5))
    cls = _BY_STATUS.get(status)
    if cls is None:
        exc = errors.ApiError(message, errors=field_errors)
        exc.status = status
        return from_upstream(exc)
    return from_upstream(cls(message, errors=field_errors))
