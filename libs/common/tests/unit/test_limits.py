"""Input limits (common.limits) enforced for every service by common.web: one table of hostile inputs."""
import json

import pytest
from flask import Flask, jsonify, request
from hypothesis import HealthCheck, given, settings, strategies as st

from common import limits
from common.testing import count_cases, fuzz_budget, fuzz_derandomized
from common.web import init_service_app


@pytest.fixture(scope="module")
def client():
    app = Flask(__name__)
    init_service_app(app, readiness={})

    @app.post("/api/echo")
    @app.post("/rest/servicedeskapi/echo")
    def echo():
        return jsonify({"type": type(request.get_json(silent=True)).__name__})

    @app.get("/api/search")
    def search():
        return jsonify({})

    return app.test_client()


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


CASES = [
    # (name, raw body, status, words the message must name)
    ("plain object", json.dumps({"body": "hello"}).encode(), 200, ""),
    ("32 levels", deep(limits.MAX_JSON_DEPTH), 200, ""),
    ("33 levels", deep(limits.MAX_JSON_DEPTH + 1), 400, "nested too deeply"),
    ("1,000 levels", deep(1000), 400, "nested too deeply"),
    ("100,000 levels", deep(100_000), 400, "nested too deeply"),
    ("lone surrogate", b'{"body": "\\ud800"}', 400, "'body' contains an unpaired surrogate"),
    ("lone surrogate in a key", b'{"\\udfff": "x"}', 400, "unpaired surrogate"),
    ("NUL", b'{"summary": "a\\u0000b"}', 400, "'summary' contains a NUL"),
    ("comment one past the limit", json.dumps({"body": "x" * (limits.LONG_TEXT + 1)}).encode(), 400,
     f"'body' is too long: at most {limits.LONG_TEXT}"),
    ("comment at the limit", json.dumps({"body": "x" * limits.LONG_TEXT}).encode(), 200, ""),
    # A request's fields are limited by their request type's field specs (in tickets), not here.
    ("summary past the summary spec", json.dumps({"requestFieldValues": {"summary": "x" * 10_000}}).encode(), 200, ""),
    ("summary past any text", json.dumps({"requestFieldValues": {"summary": "x" * (limits.LONG_TEXT + 1)}}).encode(),
     400, f"'requestFieldValues.summary' is too long: at most {limits.LONG_TEXT}"),
    ("display name", json.dumps({"displayName": "x" * 256}).encode(), 400, "'displayName' is too long"),
    ("password", json.dumps({"password": "x" * (limits.SECRET + 1)}).encode(), 400, "'password' is too long"),
    ("each email of a list", json.dumps({"emails": ["a@example.com", "x" * 300]}).encode(), 400,
     "'emails[1]' is too long"),
    ("too many items", json.dumps({"accountIds": ["a"] * (limits.MAX_LIST_ITEMS + 1)}).encode(), 400,
     "'accountIds' has too many items"),
    ("not JSON", b'{"body": ', 400, "not valid JSON"),
    ("not UTF-8", b'{"body": "\xff\xfe"}', 400, "not valid JSON"),
    ("a huge number", b'{"n": ' + b"9" * 5000 + b"}", 400, "not valid JSON"),
]


@pytest.mark.parametrize(("name", "raw", "status", "words"), CASES, ids=[c[0] for c in CASES])
def test_hostile_json_is_a_clear_400(client, name, raw, status, words):
    response = client.post("/api/echo", data=raw, content_type="application/json")
    assert response.status_code == status, response.get_data(as_text=True)
    if words:
        assert words in response.get_json()["errorMessage"]


def test_no_request_field_has_a_second_limit_here():
    """Summary and description are the request type's fields: their one limit is its field spec."""
    assert not {"summary", "description"} & set(limits.FIELD_LIMITS)


def test_a_body_past_the_size_limit_is_a_413_naming_the_limit(client):
    response = client.post("/api/echo", data=b'{"body": "' + b"x" * (10 * 1024 * 1024) + b'"}',
                           content_type="application/json")
    assert response.status_code == 413
    assert "1 MiB" in response.get_json()["errorMessage"]


def test_jsm_paths_keep_jsms_error_body(client):
    response = client.post("/rest/servicedeskapi/echo", data=deep(1000), content_type="application/json")
    assert response.status_code == 400 and set(response.get_json()) == {"errorMessage", "i18nErrorMessage"}


def test_query_values_are_limited_too(client):
    assert client.get("/api/search?query=" + "x" * 201).status_code == 400
    assert client.get("/api/search?other=" + "x" * 1001).status_code == 400
    assert client.get("/api/search?query=" + "x" * 200).status_code == 200


TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)  # surrogates too
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
                    max_leaves=30)


@settings(max_examples=fuzz_budget(300), derandomize=fuzz_derandomized(), database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=JSON, depth=st.integers(0, 60))
def test_any_json_document_is_accepted_or_refused_clearly(client, document, depth):
    count_cases("hypothesis: input limits")
    for _ in range(depth):
        document = [document]
    raw = json.dumps(document).encode()  # lone surrogates travel as \ud800 escapes, as a client sends them
    response = client.post("/api/echo", data=raw, content_type="application/json")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
