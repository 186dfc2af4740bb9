"""The list SQL on SQLite (the database of ``make run``): the visibility truth table and the search table,
on the migrated schema with its triggers (access keys, FTS5)."""
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from tickets.domain.visibility import REQUEST_CASES, Viewer
from tickets.store import tables
from tickets.store.queries import (SEARCH_DOCUMENT, SEARCH_TABLE, RequestFilter, queue_filter, request_query,
                                   visible_to)
from tickets.store.tickets import TicketRepository

from .sqlite_schema import NOW, migrated_engine

ORG_IDS = {"org1": 1, "org2": 2, "org12": 12}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = migrated_engine(tmp_path_factory.mktemp("lists"))
    yield engine
    engine.dispose()


def _ticket(conn, ticket_id, reporter, participants=(), shared=(), summary="s", description="", key=None,
            at=NOW, desk=1):
    conn.execute(insert(tables.tickets).values(
        id=ticket_id, desk_id=desk, number=ticket_id, key=key or f"D{desk}-{ticket_id}", request_type_id=desk,
        reporter_id=reporter, summary=summary, description=description, field_values={},
        status="Waiting for support", created_at=at, updated_at=at, status_changed_at=at, last_activity_at=at))
    for p in participants:
        conn.execute(insert(tables.ticket_participants).values(ticket_id=ticket_id, account_id=p))
    for o in shared:
        conn.execute(insert(tables.ticket_shares).values(ticket_id=ticket_id, organization_id=o))


def _empty(conn):
    for table in (tables.comments, tables.ticket_shares, tables.ticket_participants, tables.tickets):
        conn.execute(delete(table))
    assert conn.execute(select(tables.ticket_access)).all() == []


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.name)
def test_the_list_sql_follows_the_truth_table_on_sqlite(engine, case):
    viewer = Viewer("me", case.role, frozenset(ORG_IDS[o] for o in case.member_of),
                    frozenset({1 if case.desk_agent else 2}) if case.role == "agent" else frozenset())
    with engine.begin() as conn:
        _empty(conn)
        _ticket(conn, 1, "me" if case.reporter else "someone", ["me"] if case.participant else ["other"],
                [ORG_IDS[o] for o in case.shared_with])
        _ticket(conn, 2, "stranger", at=NOW + timedelta(seconds=1))  # private to someone else
    with Session(engine) as session:
        repo = TicketRepository(session)
        found, _ = repo.search(viewer, RequestFilter(ownership=("ALL_REQUESTS",)), 0, 50)
        assert (1 in [t.id for t in found]) is case.visible
        assert (2 in [t.id for t in found]) is (case.role == "admin" or (case.role == "agent" and case.desk_agent))
        assert (session.execute(select(tables.tickets.c.id).where(visible_to(viewer), tables.tickets.c.id == 1))
                .scalar() == 1) is case.visible
        if case.role == "customer":
            default, _ = repo.search(viewer, RequestFilter(), 0, 50)
            assert (1 in [t.id for t in default]) is case.visible


def test_access_keys_follow_every_change(engine):
    """Participants and shares added and removed, and new activity, move the ticket in the lists."""
    me = Viewer("me", "customer", frozenset({1}))
    with engine.begin() as conn:
        _empty(conn)
        _ticket(conn, 1, "someone")
        _ticket(conn, 2, "me", at=NOW + timedelta(seconds=1))
    with Session(engine) as session:
        repo = TicketRepository(session)

        def listed():
            return [t.id for t in repo.search(me, RequestFilter(), 0, 50)[0]]

        assert listed() == [2]
        session.execute(insert(tables.ticket_shares).values(ticket_id=1, organization_id=1))
        assert listed() == [2, 1]
        session.execute(update(tables.tickets).where(tables.tickets.c.id == 1)
                        .values(last_activity_at=NOW + timedelta(seconds=5)))
        assert listed() == [1, 2]
        session.execute(delete(tables.ticket_shares))
        assert listed() == [2]
        session.execute(insert(tables.ticket_participants).values(ticket_id=1, account_id="me"))
        assert listed() == [1, 2]
        assert [t.id for t in repo.search(me, RequestFilter(ownership=("OWNED_REQUESTS",)), 0, 50)[0]] == [2]
        assert [t.id for t in repo.search(me, RequestFilter(), 1, 50)[0]] == [2]  # the second page
        session.rollback()


def test_a_desk_agent_walks_the_desk_queue(engine):
    agent = Viewer("agent", "agent", desk_ids=frozenset({1}))
    with engine.begin() as conn:
        _empty(conn)
        for n in range(1, 8):
            _ticket(conn, n, f"customer-{n}", desk=1 + n % 2, at=NOW + timedelta(seconds=n))
    with Session(engine) as session:
        repo = TicketRepository(session)
        found, last = repo.search(agent, queue_filter("open", 1, "agent"), 0, 2)
        assert [t.id for t in found] == [6, 4] and not last
        found, last = repo.search(agent, queue_filter("open", 1, "agent"), 2, 2)
        assert [t.id for t in found] == [2] and last
        assert repo.count(agent, {"open": queue_filter("open", 1, "agent"), "all": queue_filter("all", 1, "agent")}) \
            == {"open": 3, "all": 3}
        # A queue's page with its total has its values written in its SQL: a quote stays a value.
        found, last, known = repo.page(agent, queue_filter("open", 1, "agent"), 0, 2, count=True)
        assert [t.id for t in found] == [6, 4] and not last and known.total == 3
        found, last, known = repo.page(agent, queue_filter("mine", 1, "o'brien"), 0, 2, count=True)
        assert found == [] and last and known.total == 0


def test_the_all_queue_walks_the_desk_key_alone_and_follows_a_move(engine):
    """Queue "all" walks the desk's access key without joining tickets to check the desk again: the key
    is the desk (its trigger moves it with the ticket), so a moved ticket leaves one queue for the other."""
    agent = Viewer("agent", "agent", desk_ids=frozenset({1, 2}))
    sql = str(request_query(agent, queue_filter("all", 1, "agent"), 0, 3).compile())
    assert "JOIN tickets" not in sql and "desk_id" not in sql
    typed = replace(queue_filter("all", 1, "agent"), request_type_id=1)
    assert "JOIN tickets" in str(request_query(agent, typed, 0, 3).compile())  # other filters still join
    with engine.begin() as conn:
        _empty(conn)
        for n in range(1, 8):
            _ticket(conn, n, f"customer-{n}", desk=1 + n % 2, at=NOW + timedelta(seconds=n))
        conn.execute(update(tables.tickets).where(tables.tickets.c.id == 7).values(desk_id=1))
    with Session(engine) as session:
        repo = TicketRepository(session)
        found, last = repo.search(agent, queue_filter("all", 1, "agent"), 0, 3)
        assert [t.id for t in found] == [7, 6, 4] and not last
        found, last = repo.search(agent, queue_filter("all", 2, "agent"), 0, 3)
        assert [t.id for t in found] == [5, 3, 1] and last


@pytest.mark.parametrize("term,found", SEARCH_TABLE)
def test_search_follows_its_table_on_sqlite(engine, term, found):
    doc = SEARCH_DOCUMENT
    reader = Viewer("me", "customer")
    with engine.begin() as conn:
        _empty(conn)
        _ticket(conn, 7, "me", summary=doc["summary"], description=doc["description"], key="AM-7")
        _ticket(conn, 8, "me", summary="Unrelated", key="AM-8")
        for body, public in ((doc["public comment"], True), (doc["internal note"], False)):
            conn.execute(insert(tables.comments).values(ticket_id=7, author_id="me", body=body, public=public,
                                                        created_at=NOW))
    with Session(engine) as session:
        hits, _ = TicketRepository(session).search(reader, RequestFilter(search=term), 0, 50)
    assert (7 in [t.id for t in hits]) is found


def test_a_plain_page_reads_its_tickets_with_what_they_name_as_each_is_read_alone(engine):
    """A plain list reads its rows and their related rows in one statement (``_with_related``): each
    ticket as ``get`` reads it, with the people, organisations and desks it names."""
    me = Viewer("me", "customer", frozenset({1}))
    with engine.begin() as conn:
        _empty(conn)
        conn.execute(delete(tables.ticket_invitations))
        conn.execute(delete(tables.accounts))
        conn.execute(delete(tables.organizations))
        for account, name in (("me", "Me"), ("pat", None)):
            conn.execute(insert(tables.accounts).values(id=account, email=f"{account}@example.com", display_name=name,
                                                        language="en", role="customer", active=True, updated_at=NOW))
        conn.execute(insert(tables.organizations).values(id=1, name="Org \u00e9"))
        _ticket(conn, 1, "me", participants=["pat", "ghost"], shared=[1])
        _ticket(conn, 2, "someone", shared=[1], at=NOW + timedelta(seconds=1), desk=2)
        _ticket(conn, 3, "me", at=NOW + timedelta(seconds=2))
        conn.execute(insert(tables.ticket_invitations).values(ticket_id=1, email="new@example.com", invited_by="me",
                                                              created_at=NOW))
    with Session(engine) as session:
        repo = TicketRepository(session)
        found, last, known = repo.page(me, RequestFilter(), 0, 2)
        assert [t.id for t in found] == [3, 2] and not last
        found, last, known = repo.page(me, RequestFilter(), 0, 50)
        assert [t.id for t in found] == [3, 2, 1] and last
        assert found == [repo.get(str(t.id)) for t in found]
        assert found[2].participant_ids == {"pat", "ghost"} and found[2].invited == {"new@example.com": "me"}
        assert set(known.accounts) == {"me", "pat"} and known.accounts["pat"].display_name is None
        assert known.organizations == {1: "Org \u00e9"} and set(known.desks) == {1, 2}
        assert known.desks[2].key == "D2" and known.request_types is None  # read by the use case on SQLite
