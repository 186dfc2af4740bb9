"""Every operation of the OpenAPI document, fed generated input: never a server error, always as documented.

The example budget is small and the generation derandomized, so the run is bounded and repeatable;
``FUZZ_EXAMPLES`` raises the budget for an exploratory run.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from identity.openapi import document

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Unknown query parameters are ignored, as JSM does; generating them would only flag that choice.
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-extra-parameters": False}})
CHECKS = [not_a_server_error, negative_data_rejection, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [(op.method, op.path) for op in (r.ok() for r in schemathesis.openapi.from_dict(document())
                                               .get_all_operations())]


def fuzz(app, method: str, path: str, token: str) -> None:
    """Call one operation with generated input as the token's owner and check every answer."""
    operation = schemathesis.openapi.from_wsgi("/api/identity/openapi.json", app, config=CONFIG)[path][method]

    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode)))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        # A generated bearer token stands for a valid one; a missing or malformed one must get a 401.
        if case.headers and str(case.headers.get("Authorization", "")).startswith("Bearer "):
            case.headers["Authorization"] = f"Bearer {token}"
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_operation_answers_as_documented(app, api, role, method, path):
    fuzz(app, method, path, api.token_for(f"fuzz-{role}@example.com", role))
