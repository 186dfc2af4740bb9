"""Every operation of the identity OpenAPI document, fed generated input (see common.fuzzing)."""
from __future__ import annotations

import pytest

from common.fuzzing import fuzz, hostile_requests, operations, send_hostile
from identity.openapi import document

OPERATIONS = operations(document())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("role", ["customer", "agent"])
def test_operation_answers_as_documented(app, api, role, method, path):
    fuzz(app, "/api/identity/openapi.json", method, path, api.token_for(f"fuzz-{role}@example.com", role))


HOSTILE = hostile_requests(document())


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_hostile_bodies_on_every_operation_are_refused_clearly(client, api, role):
    token = api.token_for(f"hostile-{role}@example.com", role)
    for method, path, what, body in HOSTILE:
        send_hostile(client, token, method, path, what, body)
