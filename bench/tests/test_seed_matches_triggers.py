"""``bench.seed.add_tickets`` writes set-wise, its row triggers switched off, what the tickets service's
triggers keep: the access keys (``ticket_access``), the full-text documents (``tickets.search_vector``)
and the queue counts (``ticket_counts``). Here the same rows are written again one by one, triggers on,
and what the triggers derive is compared with what the seed wrote."""
from __future__ import annotations

from sqlalchemy import text

from bench import seed
from common.db import make_engine
from common.testing import postgres_server_url, throwaway_database
from tickets.cli import migrate
from tickets.demo import load
from tickets.settings import Settings

DERIVED = {
    "ticket_access": "SELECT ticket_id, key, last_activity_at FROM ticket_access ORDER BY 1, 2",
    "search_vector": "SELECT id, search_vector::text FROM tickets ORDER BY id",
    "ticket_counts": "SELECT desk_id, status, assignee_id, n FROM ticket_counts WHERE n <> 0 ORDER BY 1, 2, 3",
}
BASE = ("tickets", "ticket_shares", "ticket_participants", "comments")


def _world(engine) -> seed.World:
    """The tickets replica part of ``seed.seed_people`` (no identity): customers in organisations, the agent."""
    with engine.begin() as conn:
        desks = dict(conn.execute(text("SELECT key, id FROM service_desks")).all())
        rts: dict[int, list[int]] = {}
        for desk_id, rt in conn.execute(text("SELECT desk_id, id FROM request_types ORDER BY desk_id, position, id")):
            rts.setdefault(desk_id, []).append(rt)
        conn.execute(text("INSERT INTO organizations (id, name) SELECT o, 'Org ' || o FROM generate_series(1, 5) o"))
        conn.execute(text(f"INSERT INTO accounts (id, email, display_name, language, role, active, updated_at) "
                          f"SELECT {seed._sql_id('n')}, 'c' || n || '@example.com', 'C', 'en', 'customer', true, now() "
                          f"FROM generate_series(1, 40) n"))
        conn.execute(text("INSERT INTO accounts (id, email, role, active, language, updated_at) "
                          "VALUES ('agent', 'agent@bench', 'agent', true, 'en', now())"))
    return seed.World(desks=desks, request_types=rts, accounts={"agent@example.com": "agent"},
                      organisations=[1, 2, 3, 4, 5], customers=40)


def _derived(conn) -> dict[str, list]:
    return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in DERIVED.items()}


def test_the_seed_writes_what_the_triggers_would():
    with throwaway_database(postgres_server_url(), "seedcheck") as url:
        settings = Settings(database_url=url)
        migrate(settings)
        load(settings)
        engine = make_engine(url)
        try:
            world = _world(engine)
            seed.add_tickets(engine, world, 300, {})
            seed.add_tickets(engine, world, 150, {})  # a top-up counts on from the first batch
            with engine.begin() as conn:
                seeded = _derived(conn)
                assert all(seeded.values())
                for table in BASE:
                    conn.execute(text(f"CREATE TEMPORARY TABLE copy_{table} AS SELECT * FROM {table}"))
                # Deleting the tickets fires the count triggers (and cascades to the rest); the counts are then
                # dropped too, so that the row-by-row inserts below rebuild everything from nothing.
                conn.execute(text("DELETE FROM tickets"))
                conn.execute(text("DELETE FROM ticket_counts"))
                conn.execute(text("INSERT INTO tickets SELECT * FROM copy_tickets ORDER BY id"))
                for table in BASE[1:]:
                    conn.execute(text(f"INSERT INTO {table} SELECT * FROM copy_{table}"))
                replayed = _derived(conn)
            for name in DERIVED:
                assert replayed[name] == seeded[name], name
        finally:
            engine.dispose()


def test_each_seeded_ticket_has_the_history_a_create_writes_and_ends_in_its_status():
    with throwaway_database(postgres_server_url(), "seedhistory") as url:
        settings = Settings(database_url=url)
        migrate(settings)
        load(settings)
        engine = make_engine(url)
        try:
            seed.add_tickets(engine, _world(engine), 60, {})
            with engine.begin() as conn:
                rows = conn.execute(text(
                    "SELECT t.id, t.status, array_agg(h.kind ORDER BY h.at, h.id), "
                    "       array_agg(h.to_value ORDER BY h.at, h.id) "
                    "FROM tickets t JOIN ticket_history h ON h.ticket_id = t.id "
                    "WHERE t.key LIKE '%-%' AND t.summary LIKE 'Channel %' GROUP BY t.id, t.status")).all()
            assert len(rows) == 60
            for _id, status, kinds, values in rows:
                assert kinds[:2] == ["created", "status"] and values[1] == "Waiting for support"
                assert set(kinds[2:]) <= {"status"} and values[-1] == status
        finally:
            engine.dispose()
