"""The migrations run on SQLite as well as PostgreSQL, and match the table metadata."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.db import make_engine
from tickets.cli import migrate
from tickets.settings import Settings
from tickets.store.tables import metadata


def _not_full_text(name, type_, _parent_names):
    # SQLite's FTS5 table and its shadow tables (migration 0008) are not in the metadata.
    return not (type_ == "table" and name.startswith("tickets_fts"))


def _no_drift(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_full_text})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_migrations_run_on_sqlite_and_match_the_metadata(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    migrate(Settings(database_url=url))
    migrate(Settings(database_url=url))  # idempotent
    _no_drift(url)


def test_migrations_match_the_metadata_on_postgresql(database_url):
    _no_drift(database_url)


def _tickets_before_0008(url):
    """A database at 0006 with one ticket (a participant, a share, a public comment and an internal note)."""
    from sqlalchemy import text

    from common.migrate import upgrade
    from tickets.cli import MIGRATIONS

    upgrade(MIGRATIONS, url, "0006")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO service_desks (id, key, name, description, active, invite_unknown_participants, "
                          "restricted, email_signup, email_require_dmarc, customer_sharing, last_ticket_number, created_at) "
                          "VALUES (1, 'AM', 'A', '', true, false, false, false, false, 'organizations', 1, '2026-01-01')"))
        conn.execute(text("INSERT INTO request_types (id, desk_id, name, description, help_text, issue_type, position) "
                          "VALUES (1, 1, 'T', '', '', 'x', 0)"))
        conn.execute(text("INSERT INTO tickets (id, desk_id, number, key, request_type_id, reporter_id, summary, "
                          "description, field_values, status, created_at, updated_at, status_changed_at, last_activity_at) "
                          "VALUES (1, 1, 1, 'AM-1', 1, 'rep', 'Printer on fire', 'smoke', '{}', 'Waiting for support', '2026-01-01', "
                          "'2026-01-01', '2026-01-01', '2026-01-02')"))
        conn.execute(text("INSERT INTO ticket_participants VALUES (1, 'part')"))
        conn.execute(text("INSERT INTO ticket_shares VALUES (1, 7)"))
        conn.execute(text("INSERT INTO comments (ticket_id, author_id, body, public, created_at) VALUES "
                          "(1, 'rep', 'toner empty', true, '2026-01-01'), (1, 'agent', 'secret', false, '2026-01-01')"))
    return engine


def _backfilled(engine, url):
    from sqlalchemy.orm import Session

    from tickets.domain.visibility import Viewer
    from tickets.store.queries import RequestFilter
    from tickets.store.tickets import TicketRepository

    migrate(Settings(database_url=url))
    with Session(engine) as session:
        repo = TicketRepository(session)
        for viewer in (Viewer("rep", "customer"), Viewer("part", "customer"), Viewer("m", "customer", frozenset({7})),
                       Viewer("a", "agent", desk_ids=frozenset({1}))):
            assert [t.key for t in repo.search(viewer, RequestFilter(ownership=("ALL_REQUESTS",)), 0, 10)[0]] == ["AM-1"]
        assert repo.search(Viewer("x", "customer", frozenset({8})), RequestFilter(), 0, 10)[0] == []
        rep = Viewer("rep", "customer")
        for term, found in (("printer toner", True), ("smok*", True), ("secret", False)):
            assert bool(repo.search(rep, RequestFilter(search=term), 0, 10)[0]) is found, term
    engine.dispose()


def test_the_access_keys_and_search_are_backfilled_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    _backfilled(_tickets_before_0008(url), url)


def test_the_access_keys_and_search_are_backfilled_on_postgresql():
    from common.testing import postgres_server_url, throwaway_database

    with throwaway_database(postgres_server_url(), "tk_backfill") as url:
        _backfilled(_tickets_before_0008(url), url)


def test_0013_goes_back_to_the_triggers_of_0012_and_forward_again():
    from alembic import command
    from sqlalchemy import text

    from common import migrate as migrations
    from common.testing import postgres_server_url, throwaway_database
    from tickets.cli import MIGRATIONS

    def functions(url):
        engine = make_engine(url)
        with engine.connect() as conn:
            found = dict(conn.execute(text(
                "SELECT proname, prosrc FROM pg_proc WHERE proname IN ('tickets_search_document', "
                "'ticket_access_from_ticket', 'ticket_access_from_link')")).all())
        engine.dispose()
        return found

    with throwaway_database(postgres_server_url(), "tk_down13") as url, \
            throwaway_database(postgres_server_url(), "tk_at12") as at_0012:
        migrate(Settings(database_url=url))
        at_head = functions(url)
        command.downgrade(migrations.alembic_config(MIGRATIONS, url), "0012")
        migrations.upgrade(MIGRATIONS, at_0012, "0012")
        assert functions(url) == functions(at_0012) != at_head
        migrate(Settings(database_url=url))
        assert functions(url) == at_head
