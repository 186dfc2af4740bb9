"""Schemathesis against a service's own OpenAPI document, in process: never a 5xx, always as documented.

Used by each service's ``test_fuzz_api.py``. The example budget is small and generation
derandomized, so a run is bounded and repeatable; ``FUZZ_EXAMPLES`` raises the budget for an
exploratory run. Imported only by tests (schemathesis is a test dependency).
"""
from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from .testing import count_cases, fuzz_derandomized
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_schema_conformance, status_code_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Unknown query parameters are ignored, as JSM does; generating them would only flag that choice.
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-extra-parameters": False}})
CHECKS = [not_a_server_error, negative_data_rejection, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def operations(document: dict) -> list[tuple[str, str]]:
    """(method, path) of every operation in an OpenAPI document, for pytest parametrisation."""
    return [(op.method, op.path) for op in (r.ok() for r in schemathesis.openapi.from_dict(document)
                                             .get_all_operations())]


def fuzz(app, document_path: str, method: str, path: str, token: str) -> None:
    """Call one operation of ``app`` with generated input as the token's owner and check every answer."""
    operation = schemathesis.openapi.from_wsgi(document_path, app, config=CONFIG)[path][method]

    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
    @settings(max_examples=EXAMPLES, derandomize=fuzz_derandomized(), database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        count_cases(f"schemathesis {document_path}")
        # A generated bearer token stands for a valid one; a missing or malformed one must get a 401.
        if case.headers and str(case.headers.get("Authorization", "")).startswith("Bearer "):
            case.headers["Authorization"] = f"Bearer {token}"
        case.call_and_validate(checks=CHECKS)

    run()


# Bodies no client should send: nesting past any parser's recursion, invalid UTF-8, lone surrogates.
HOSTILE_BODIES = {
    "1,000-deep array": b"[" * 1000 + b"]" * 1000,
    "5,000-deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "invalid UTF-8": b'{"body": "\xff\xfe"}',
    "lone surrogate": None,  # built per operation: every documented property set to "\ud800"
}
PATH_VALUES = {"issueIdOrKey": "AM-1", "serviceDeskId": "1", "requestTypeId": "1", "id": "1", "commentId": "1",
               "organizationId": "1", "accountId": "00000000-0000-4000-8000-000000000000"}


def hostile_requests(document: dict) -> list[tuple[str, str, str, bytes]]:
    """(method, path, what, body) for every operation of ``document`` and every hostile body."""
    out = []
    for path, item in document.get("paths", {}).items():
        concrete = path
        for name, value in PATH_VALUES.items():
            concrete = concrete.replace("{" + name + "}", value)
        for method, op in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get(
                "schema") or {}
            props = _resolve_properties(document, schema) or ["body"]
            for what, body in HOSTILE_BODIES.items():
                if body is None:
                    body = json.dumps({p: "\ud800" for p in props}).encode()
                out.append((method.upper(), concrete, what, body))
    return out


def _resolve_properties(document: dict, schema: dict) -> list[str]:
    seen = 0
    while "$ref" in schema and seen < 10:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {})
        schema, seen = node, seen + 1
    return list((schema.get("properties") or {}).keys())


def send_hostile(client, token: str, method: str, path: str, what: str, body: bytes) -> None:
    """Send one hostile body and check the answer is a clear refusal, never a 5xx."""
    count_cases("hostile bodies")
    response = client.open(path, method=method, data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, f"{method} {path} with {what}: {response.status_code} {response.get_data()[:300]}"
    assert response.status_code in (400, 401, 403, 404, 405, 409, 413, 429), (
        f"{method} {path} accepted {what}: {response.status_code}")
