"""Every operation of the tickets OpenAPI document, fed generated input (see common.fuzzing)."""
from __future__ import annotations

import pytest

from common.fuzzing import fuzz, hostile_requests, operations, send_hostile
from tickets.api.desks import openapi_document

OPERATIONS = operations(openapi_document())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_operation_answers_as_documented(app, api, person, role, method, path):
    caller = person(f"fuzz-{role}@example.com", role)
    # A request on the first desk gives keys, comments and participants something to find.
    assert api.create(caller).status_code == 201
    fuzz(app, "/rest/servicedeskapi/openapi.json", method, path, caller.token)


HOSTILE = hostile_requests(openapi_document())


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_hostile_bodies_on_every_operation_are_refused_clearly(app, api, person, role):
    caller = person(f"hostile-{role}@example.com", role)
    assert api.create(caller).status_code == 201
    for method, path, what, body in HOSTILE:
        send_hostile(app.test_client(), caller.token, method, path, what, body)
