"""One table from exceptions to HTTP errors, with the JSM error body everywhere.

Hierarchy::

    ApiError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   └── ValidationFailed (400 validation_failed, per-field ``errors``)
    ├── Unauthorized (401 unauthorized)
    ├── Forbidden (403 forbidden)
    ├── NotFound (404 not_found)
    ├── MethodNotAllowed (405 method_not_allowed, ``Allow``)
    ├── Conflict (409 conflict)
    ├── Gone (410 gone)
    ├── PayloadTooLarge (413 payload_too_large)
    ├── TooManyRequests (429 too_many_requests, ``Retry-After``)
    ├── NotImplementedHere (501 not_implemented: an operation of the JSM API we do not serve)
    └── ServiceUnavailable (503 service_unavailable, ``Retry-After``)

A database that cannot be reached or fails mid-request (SQLAlchemy ``OperationalError``,
``InterfaceError``, a pool timeout, an invalidated connection) is a 503 with ``Retry-After`` too,
never a 500: the client may try again once the database is back.

Services raise these (or their own subclasses) from use cases; views never build error responses.
The body is JSM's ``ErrorResponse`` (``errorMessage``, ``i18nErrorMessage``). Under ``/rest/`` it is
exactly that, as Atlassian's schema allows no other member; the native APIs add our ``code`` and,
for validation, ``errors`` (field -> messages). The error code is also in ``i18nErrorMessage.i18nKey``.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)


DATABASE_RETRY_AFTER = 5  # seconds a client is asked to wait while the database is unavailable


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.headers = headers or {}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class ValidationFailed(BadRequest):
    code = "validation_failed"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "Authentication is required: send a valid Bearer token or Basic credentials.", **kw):
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="servicedesk", Basic realm="servicedesk"'})
        super().__init__(message, **kw)


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Gone(ApiError):
    status, code = 410, "gone"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class TooManyRequests(ApiError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int, **kw):
        kw.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NotImplementedHere(ApiError):
    status, code = 501, "not_implemented"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"

    def __init__(self, message: str, retry_after: int = DATABASE_RETRY_AFTER, **kw):
        kw.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(message, **kw)


def is_database_outage(exc: BaseException) -> bool:
    """True for the errors of a database that is down, restarting or unreachable (not of a bad query)."""
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)


def error_body(message: str, code: str, errors: dict | None = None, jsm_strict: bool = False) -> dict:
    body: dict[str, Any] = {
        "errorMessage": message,
        "i18nErrorMessage": {"i18nKey": f"servicedesk.error.{code}", "parameters": []},
    }
    if not jsm_strict:
        body["code"] = code
        if errors:
            body["errors"] = errors
    return body


def _flatten_first(messages: Any) -> str:
    if isinstance(messages, dict):
        parts = []
        for field, value in messages.items():
            text = value[0] if isinstance(value, list) and value and isinstance(value[0], str) else _flatten_first(value)
            parts.append(f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(messages, list):
        return "; ".join(str(m) for m in messages)
    return str(messages)


def to_response(exc: Exception):
    """Map any exception to (JSON body, status, headers) according to the table above."""
    if isinstance(exc, ApiError):
        return error_body(exc.message, exc.code, exc.errors), exc.status, exc.headers
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return error_body("Invalid input: " + _flatten_first(messages), "validation_failed", messages), 400, {}
    if is_database_outage(exc):
        logger.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return error_body("The service is unavailable at the moment (its database cannot be reached); "
                          "try again in a little while.", "service_unavailable"), 503, \
            {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if isinstance(exc, HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_body(exc.description or exc.name, code), exc.code or 500, {}
    logger.exception("unhandled error")
    return error_body("An unexpected error occurred; it has been logged.", "internal_error"), 500, {}


def error_response(exc: Exception):
    """The JSON response of ``to_response`` for the current request (JSM's strict body under ``/rest/``)."""
    return json_response(*to_response(exc))


def json_response(body: dict, status: int, headers: dict):
    """The JSON answer of an error: under ``/rest/`` exactly JSM's ``ErrorResponse``."""
    if request.path.startswith("/rest/"):
        body = {key: body[key] for key in ("errorMessage", "i18nErrorMessage")}
    response = jsonify(body)
    response.status_code = status
    for key, value in headers.items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask, page: Callable | None = None) -> None:
    """Answer every error of ``app`` with the JSON body of ``to_response``.

    ``page(exc, body, status, headers)`` (the gateway's HTML branch) may answer instead for paths that
    are pages: it returns a response, or None to keep the JSON one.
    """

    def handle(exc: Exception):
        # An error raised outside the view (an after_request hook) reaches us wrapped in a 500.
        if isinstance(exc, InternalServerError) and exc.original_exception is not None:
            exc = exc.original_exception
        body, status, headers = to_response(exc)
        if page is not None:
            answer = page(exc, body, status, headers)
            if answer is not None:
                return answer
        return json_response(body, status, headers)

    app.register_error_handler(Exception, handle)
