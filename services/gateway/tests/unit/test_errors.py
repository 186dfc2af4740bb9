import httpx
import pytest

from common import errors
from gateway.errors import from_response


@pytest.mark.parametrize("status, error", [
    (400, errors.BadRequest), (401, errors.Unauthorized), (403, errors.Forbidden), (404, errors.NotFound),
    (409, errors.Conflict), (410, errors.Gone), (413, errors.PayloadTooLarge), (422, errors.ValidationFailed),
    (429, errors.TooManyRequests), (502, errors.ServiceUnavailable), (503, errors.ServiceUnavailable),
    (504, errors.ServiceUnavailable),
])
def test_upstream_statuses_become_local_errors(status, error):
    exc = from_response(httpx.Response(status, json={"errorMessage": "Nope."}), "tickets")
    assert type(exc) is error
    assert exc.status == (503 if status >= 502 else 400 if status == 422 else status)


def test_message_and_field_errors_are_kept():
    exc = from_response(httpx.Response(400, json={"errorMessage": "Invalid input", "errors": {"summary": ["Long"]}}),
                        "tickets")
    assert exc.message == "Invalid input"
    assert exc.errors == {"summary": ["Long"]}


def test_jira_style_error_messages_and_unknown_statuses():
    exc = from_response(httpx.Response(418, json={"errorMessages": ["a", "b"]}), "tickets")
    assert exc.status == 418 and exc.message == "a; b"
    assert from_response(httpx.Response(400, text="oops"), "x").message == "The request failed (HTTP 400)."


def test_retry_after_is_kept_for_429():
    exc = from_response(httpx.Response(429, json={}, headers={"Retry-After": "30"}), "identity")
    assert exc.headers["Retry-After"] == "30"
