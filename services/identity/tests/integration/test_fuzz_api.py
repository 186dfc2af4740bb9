"""Every operation of the identity OpenAPI document, fed generated input (see common.fuzzing)."""
from __future__ import annotations

import pytest

from common.fuzzing import fuzz, operations
from identity.openapi import document

OPERATIONS = operations(document())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_operation_answers_as_documented(app, api, role, method, path):
    fuzz(app, "/api/identity/openapi.json", method, path, api.token_for(f"fuzz-{role}@example.com", role))
