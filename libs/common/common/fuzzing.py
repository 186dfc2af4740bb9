"""Schemathesis against a service's own OpenAPI document, in process: never a 5xx, always as documented.

Used by each service's ``test_fuzz_api.py``. The example budget is small and generation
derandomized, so a run is bounded and repeatable; ``FUZZ_EXAMPLES`` raises the budget for an
exploratory run. Imported only by tests (schemathesis is a test dependency).
"""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from .testing import count_cases
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
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        count_cases(f"schemathesis {document_path}")
        # A generated bearer token stands for a valid one; a missing or malformed one must get a 401.
        if case.headers and str(case.headers.get("Authorization", "")).startswith("Bearer "):
            case.headers["Authorization"] = f"Bearer {token}"
        case.call_and_validate(checks=CHECKS)

    run()
