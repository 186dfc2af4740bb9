"""A plain list and a search are planned once per connection on PostgreSQL, not on every run.

Their planning cost PostgreSQL more than running them (bench/profiles/ts.md): psycopg prepares a
statement after a few runs, and PostgreSQL keeps a generic plan only if it costs no more than the
custom ones, which holds when the planner cannot see values that change the estimates."""
from sqlalchemy import text
from sqlalchemy.orm import Session

from tickets.domain.visibility import Viewer
from tickets.store.queries import RequestFilter, queue_filter
from tickets.store.tickets import TicketRepository


def test_a_plain_list_and_a_search_keep_their_generic_plans(api, app, person, organizations):
    organizations(1)
    alice, agent = person(orgs=[1]), person(role="agent")
    for n in range(6):
        api.create(agent, raiseOnBehalfOf=alice.id, summary=f"Player stalls {n}",
                   values={"organizations": [1] if n % 2 else []})
    engine = app.extensions["tickets.engine"]
    with engine.begin() as conn:
        # Keys of very different sizes, as in a real desk: the planner's estimates then depend on the
        # key, and a plan made for one caller's values costs differently from the generic one.
        conn.execute(text(
            "INSERT INTO tickets (desk_id, number, key, request_type_id, reporter_id, summary, description, "
            "field_values, status, created_at, updated_at, status_changed_at, last_activity_at) "
            "SELECT 2, 1000 + n, 'TV-' || (1000 + n), 4, 'someone-else', 'Bulk ' || n, 'Bulk', CAST('{}' AS json), "
            "'Waiting for support', now(), now(), now(), now() - make_interval(secs => n) "
            "FROM generate_series(1, 3000) n"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE tickets"))
        conn.execute(text("ANALYZE ticket_access"))
    viewer = Viewer(alice.id, "customer", frozenset({1}))
    with engine.connect() as conn:
        session = Session(bind=conn)
        repo = TicketRepository(session)
        for _ in range(12):
            listed, _last, _known = repo.page(viewer, RequestFilter(), 0, 50)
            found, _last, _known = repo.page(viewer, RequestFilter(search="stalls"), 0, 50)
        assert len(listed) == 6 and len(found) == 6
        plans = conn.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
                                  "WHERE statement LIKE '%ticket_access%'")).all()
        session.rollback()
    assert len(plans) == 2, plans
    for statement, generic, custom in plans:
        assert generic > 0 and custom <= 5, (generic, custom, statement[:200])


def test_a_queue_page_is_planned_once_and_its_participants_are_looked_up_by_key(api, app, person):
    """A queue's page has its values written in (no parameter: one plan per connection, where the open
    queue was planned again on every run), and its related rows find each participant's account by
    its key instead of joining every account."""
    alice, bob, agent = person(), person(), person(role="agent")
    for n in range(3):
        api.create(alice, summary=f"Player stalls {n}", **({"requestParticipants": [bob.email]} if n else {}))
    engine = app.extensions["tickets.engine"]
    viewer = Viewer(agent.id, "agent", desk_ids=frozenset({1}))
    with engine.connect() as conn:
        session = Session(bind=conn)
        repo = TicketRepository(session)
        for _ in range(8):
            found, _last, known = repo.page(viewer, queue_filter("open", 1, agent.id), 0, 100, count=True)
        assert len(found) == known.total == 3
        assert [sorted(t.participant_ids) for t in found] == [[bob.id], [bob.id], []]
        assert known.accounts[bob.id].email == bob.email
        plans = conn.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")).all()
        session.rollback()
    page = [p for p in plans if "ticket_counts" in p.statement]
    # The page's related rows with the people and names they carry (others read the bare sets).
    related = [p for p in plans if p.statement.startswith("SELECT ticket_participants.ticket_id")
               and "organizations.name" in p.statement]
    assert len(page) == 1 and "$1" not in page[0].statement and page[0].custom_plans == 0, page
    assert len(related) == 1 and "LATERAL" in related[0].statement, related


def test_a_customer_list_looks_its_participants_up_by_key(api, app, person):
    """A plain list's single statement (the page and its related rows) finds each participant's account
    by its key, as a queue's related rows do, instead of hashing every account."""
    alice, bob = person(), person()
    for n in range(3):
        api.create(alice, summary=f"Player stalls {n}", **({"requestParticipants": [bob.email]} if n else {}))
    engine = app.extensions["tickets.engine"]
    viewer = Viewer(alice.id, "customer")
    with engine.connect() as conn:
        session = Session(bind=conn)
        repo = TicketRepository(session)
        for _ in range(8):
            found, _last, known = repo.page(viewer, RequestFilter(), 0, 50)
        assert sorted(sorted(t.participant_ids) for t in found) == [[], [bob.id], [bob.id]]
        assert known.accounts[bob.id].email == bob.email
        plans = conn.execute(text("SELECT statement FROM pg_prepared_statements "
                                  "WHERE statement LIKE 'WITH shown%'")).scalars().all()
        session.rollback()
    assert len(plans) == 1 and "LATERAL" in plans[0], plans


def test_the_callers_statement_gives_the_account_its_organisations_and_desks(app, person):
    """The caller's account, its organisations with their names (one whose row the replica lacks has
    none) and an agent's desks, in one statement."""
    from tickets.store.accounts import AccountRepository

    alice, agent = person(orgs=[1, 2, 3]), person(role="agent", orgs=[2], desks=[1])
    with app.extensions["tickets.session_factory"]() as session:
        session.execute(text("DELETE FROM organizations WHERE id = 3"))
        repo = AccountRepository(session)
        account, orgs, desks = repo.with_organizations(alice.id)
        assert (account.email, orgs, desks) == (alice.email, {1: "Org 1", 2: "Org 2", 3: None}, frozenset())
        account, orgs, desks = repo.with_organizations(agent.id, desks=True)
        assert (account.role, orgs, desks) == ("agent", {2: "Org 2"}, frozenset({1}))
        assert repo.with_organizations("nobody", desks=True) == (None, {}, frozenset())
        session.rollback()
