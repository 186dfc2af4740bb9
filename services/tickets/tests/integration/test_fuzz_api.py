"""Every operation of the tickets OpenAPI document, fed generated input (see common.fuzzing)."""
from __future__ import annotations

import pytest

from common.fuzzing import fuzz, operations
from tickets.api.desks import openapi_document

OPERATIONS = operations(openapi_document())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_operation_answers_as_documented(app, api, person, role, method, path):
    caller = person(f"fuzz-{role}@example.com", role)
    # A request on the first desk gives keys, comments and participants something to find.
    assert api.create(caller).status_code == 201
    fuzz(app, "/rest/servicedeskapi/openapi.json", method, path, caller.token)
