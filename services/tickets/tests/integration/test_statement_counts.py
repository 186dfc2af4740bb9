"""SQL statements per request, counted on the engine: a request that grows one is a regression.

Creating a request is one transaction of at most 8 statements; reading one, or a page of 50, at
most 5 whatever the ``expand``.
"""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

API = "/rest/servicedeskapi"
CREATE_MAX = 8
READ_MAX = 5


@contextmanager
def counted(app):
    engine = app.extensions["tickets.engine"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _explain(statements):
    return "\n".join(f"{i + 1}. {s.split()[0]} {s[:160]}" for i, s in enumerate(statements))


@pytest.mark.parametrize("share", ["private", "organisation", "default"])
def test_creating_a_request_takes_one_short_transaction(api, app, person, organizations, share):
    organizations(1)
    alice = person(orgs=[1])
    api.create(alice)  # the first request of a caller may insert their replica row
    values = {"private": {"organizations": []}, "organisation": {"organizations": [1]}, "default": {}}[share]
    with counted(app) as statements:
        response = api.create(alice, values={**values, "description": "x" * 1000})
    assert response.status_code == 201, response.json
    assert len(statements) <= CREATE_MAX, _explain(statements)
    # The desk's counter is the last thing locked: only the outbox row follows it.
    counter = next(i for i, s in enumerate(statements) if "last_ticket_number + 1" in s)
    assert counter >= len(statements) - 2, _explain(statements)


def test_a_caller_unknown_to_the_replica_is_remembered_in_the_same_transaction(api, app, tokens):
    from sqlalchemy import text

    from .conftest import Person

    newcomer = Person(tokens, "newcomer@example.com")  # identity's event has not arrived yet
    with counted(app) as statements:
        response = api.create(newcomer)
    assert response.status_code == 201, response.json
    assert len(statements) <= CREATE_MAX + 1, _explain(statements)  # + the replica row
    with app.extensions["tickets.engine"].connect() as conn:
        assert conn.execute(text("SELECT email FROM accounts WHERE id = :i"), {"i": newcomer.id}).scalar() == \
            "newcomer@example.com"


def test_a_deactivated_caller_is_refused_in_the_same_transaction(api, app, person):
    from common.db import transaction
    from tickets.store.accounts import AccountRepository

    alice = person()
    assert api.create(alice).status_code == 201
    with transaction(app.extensions["tickets.session_factory"]) as session:
        AccountRepository(session).set_active(alice.id, False)
    with counted(app) as statements:
        response = api.create(alice)
    assert response.status_code == 401
    assert "deactivated" in response.json["errorMessage"]
    assert len(statements) == 1, _explain(statements)
