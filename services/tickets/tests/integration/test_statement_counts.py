"""SQL statements per request, counted on the engine: a request that grows one is a regression.

Creating a request is one transaction of at most 8 statements. Reading one request, a page of 50 or
an agent's queue with its total costs at most 5 statements whatever the page's size and the ``expand``
(the caller, the page with its desks and people, participants and shares, request types, expansions).
"""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

API = "/rest/servicedeskapi"
CREATE_MAX = 8
READ_MAX = 5  # a page of 50 with expand=status,comment,action was 114 statements; one request was 13


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
    # The desk's counter is the last thing locked: its statement also inserts the ticket with its
    # history and shares; what follows it are inserts that read nothing back (the outbox row).
    counter = next(i for i, s in enumerate(statements) if "SET last_ticket_number" in s)
    after = statements[counter + 1:]
    assert after and all(s.startswith("INSERT") and "RETURNING" not in s for s in after), _explain(statements)
    assert any("INSERT INTO outbox" in s for s in after), _explain(statements)


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


def _read_counts(api, app, who, path):
    with counted(app) as statements:
        response = api.get(path, who)
    assert response.status_code == 200, response.json
    return len(statements), statements


EXPANDS = "status,comment,action,participant,serviceDesk,requestType,attachment,comment.attachment"


def test_a_page_of_requests_costs_the_same_statements_whatever_its_size(api, app, person, organizations):
    organizations(1, 2)
    alice, agent = person(orgs=[1, 2]), person(role="agent")
    for i in range(12):
        key = api.create(alice, desk=str(1 + i % 3), rt=str(1 + 3 * (i % 3)),
                         values={"organizations": [1 + i % 2]}).json["issueKey"]
        api.post(f"{API}/request/{key}/comment", alice, {"body": "more detail"})
        api.post(f"{API}/request/{key}/participant", alice, {"accountIds": [agent.id]})
    # Both pages after the worker has read the request types of all twelve (PostgreSQL keeps them while
    # they stay as read): otherwise the smaller page alone would read its types.
    _read_counts(api, app, alice, f"{API}/request?limit=50")
    small, _ = _read_counts(api, app, alice, f"{API}/request?limit=2&expand={EXPANDS}")
    large, statements = _read_counts(api, app, alice, f"{API}/request?limit=50&expand={EXPANDS}")
    assert large == small, _explain(statements)
    assert large <= READ_MAX, _explain(statements)


def test_one_expanded_request_costs_a_fixed_number_of_statements(api, app, person, organizations):
    organizations(1)
    alice, agent = person(orgs=[1]), person(role="agent")
    key = api.create(alice, values={"organizations": [1]}).json["issueKey"]
    for _ in range(3):
        api.post(f"{API}/request/{key}/comment", alice, {"body": "more detail"})
        api.post(f"{API}/request/{key}/comment", agent, {"body": "on it", "public": False})
    count, statements = _read_counts(api, app, agent, f"{API}/request/{key}?expand={EXPANDS}")
    assert count <= READ_MAX, _explain(statements)


@pytest.mark.parametrize("who", ["customer", "agent", "admin"])
def test_one_request_costs_at_most_five_statements_for_everyone(api, app, person, organizations, who):
    organizations(1)
    alice = person(orgs=[1])
    reader = alice if who == "customer" else person(role=who)
    key = api.create(alice, values={"organizations": [1]}).json["issueKey"]
    api.post(f"{API}/request/{key}/comment", alice, {"body": "more detail"})
    count, statements = _read_counts(api, app, reader, f"{API}/request/{key}?expand={EXPANDS}")
    assert count <= READ_MAX, _explain(statements)


@pytest.mark.parametrize("queue", ["open", "mine", "all"])
def test_an_agent_queue_with_its_total_costs_at_most_five_statements(api, app, person, queue):
    alice, agent = person(), person(role="agent")
    for _ in range(3):
        api.create(alice)
    count, statements = _read_counts(api, app, agent, f"/api/tickets/queues?serviceDeskId=1&queue={queue}&limit=50")
    assert count <= READ_MAX, _explain(statements)
    counted_all, statements = _read_counts(api, app, agent, "/api/tickets/queues/counts?serviceDeskId=1")
    assert counted_all <= READ_MAX, _explain(statements)


def test_a_search_costs_at_most_five_statements(api, app, person):
    alice = person()
    api.create(alice, summary="Printer on fire")
    count, statements = _read_counts(api, app, alice, f"{API}/request?searchTerm=print*%20fire&expand={EXPANDS}")
    assert count <= READ_MAX, _explain(statements)
