"""A desk's queue counts (``ticket_counts``, kept by the triggers of migration 0009) agree with a full count
of the tickets after every kind of change, and each queue lists its tickets in latest-activity order, on
PostgreSQL and SQLite; the migration backfills the counts of tickets written before it."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from common.db import make_engine
from common.migrate import upgrade
from common.testing import postgres_server_url, throwaway_database
from tickets.cli import MIGRATIONS, migrate
from tickets.domain.status import Status
from tickets.domain.visibility import Viewer
from tickets.settings import Settings
from tickets.store import tables
from tickets.store.queries import QUEUES, count_query, queue_filter, request_query

T = tables.tickets
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
AGENTS = ("agent-a", "agent-b", None)
STATUSES = [s.value for s in Status]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The URL of an empty database with two desks and a request type each, migrated to ``head``
    (or, with ``revision``, to that revision: call ``finish()`` to migrate the rest)."""
    if request.param == "sqlite":
        yield _Database(f"sqlite:///{tmp_path / 'tickets.db'}")
        return
    with throwaway_database(postgres_server_url(), "tk_counts") as url:
        db = _Database(url)
        yield db
        db.engine.dispose()


class _Database:
    def __init__(self, url: str):
        self.url, self.engine = url, None

    def migrated(self, revision: str | None = None):
        if revision:
            upgrade(MIGRATIONS, self.url, revision)
        else:
            migrate(Settings(database_url=self.url))
        self.engine = make_engine(self.url)
        with self.engine.begin() as conn:
            for desk in (1, 2):
                conn.execute(insert(tables.service_desks).values(
                    id=desk, key=f"D{desk}", name="d", description="", active=True, invite_unknown_participants=False,
                    restricted=False, last_ticket_number=0, created_at=NOW))
                conn.execute(insert(tables.request_types).values(id=desk, desk_id=desk, name="t", description="",
                                                                 help_text="", issue_type="x", position=0))
        return self.engine


def _add(conn, ticket_id: int, rng: random.Random) -> None:
    desk, at = rng.choice((1, 2)), NOW + timedelta(seconds=rng.randrange(10_000))
    conn.execute(insert(T).values(
        id=ticket_id, desk_id=desk, number=ticket_id, key=f"D{desk}-{ticket_id}", request_type_id=desk,
        reporter_id=f"customer-{ticket_id % 5}", assignee_id=rng.choice(AGENTS), summary="s", description="",
        field_values={}, status=rng.choice(STATUSES), created_at=at, updated_at=at, status_changed_at=at,
        last_activity_at=at))


def _full_count(conn) -> dict[tuple, int]:
    assignee = func.coalesce(T.c.assignee_id, "")
    return {(d, s, a): n for d, s, a, n in conn.execute(
        select(T.c.desk_id, T.c.status, assignee, func.count()).group_by(T.c.desk_id, T.c.status, assignee))}


def _kept(conn) -> dict[tuple, int]:
    c = tables.ticket_counts.c
    rows = conn.execute(select(c.desk_id, c.status, c.assignee_id, c.n)).all()
    assert all(n >= 0 for *_key, n in rows)
    return {(d, s, a): n for d, s, a, n in rows if n}


def _agrees(engine) -> None:
    """The kept counts equal a full count, and every queue's count and list equal what the rule says."""
    with Session(engine) as session:
        conn = session.connection()
        assert _kept(conn) == _full_count(conn)
        rows = conn.execute(select(T.c.id, T.c.desk_id, T.c.status, T.c.assignee_id, T.c.last_activity_at)).all()
        for desk in (1, 2):
            agent = Viewer("agent-a", "agent", desk_ids=frozenset({desk}))
            filters = {q: queue_filter(q, desk, "agent-a") for q in QUEUES}
            counted = dict(conn.execute(count_query(agent, filters)).one()._mapping)
            for queue in QUEUES:
                matching = [r for r in rows if r.desk_id == desk and _in_queue(queue, r)]
                assert counted[queue] == len(matching), queue
                expected = [r.id for r in sorted(matching, key=lambda r: (r.last_activity_at, r.id), reverse=True)]
                assert conn.execute(request_query(agent, filters[queue], 0, 1000)).scalars().all() == expected, queue
                assert conn.execute(request_query(agent, filters[queue], 2, 3)).scalars().all() == expected[2:5], queue


def _in_queue(queue: str, row) -> bool:
    is_open = Status(row.status).is_open
    return {"unassigned": is_open and row.assignee_id is None, "mine": is_open and row.assignee_id == "agent-a",
            "waiting": row.status == Status.WAITING_FOR_CUSTOMER.value, "open": is_open, "all": True}[queue]


def test_the_counts_follow_creations_moves_assignments_and_deletions(database):
    engine, rng = database.migrated(), random.Random(8)
    with engine.begin() as conn:
        for ticket_id in range(1, 61):
            _add(conn, ticket_id, rng)
    _agrees(engine)
    with engine.begin() as conn:
        for ticket_id in rng.sample(range(1, 61), 25):  # status moves
            conn.execute(update(T).where(T.c.id == ticket_id).values(status=rng.choice(STATUSES)))
        for ticket_id in rng.sample(range(1, 61), 25):  # assignment, unassignment, reassignment
            conn.execute(update(T).where(T.c.id == ticket_id).values(assignee_id=rng.choice(AGENTS)))
        for ticket_id in rng.sample(range(1, 61), 10):  # both at once, and to the other desk
            conn.execute(update(T).where(T.c.id == ticket_id).values(
                status=rng.choice(STATUSES), assignee_id=rng.choice(AGENTS), desk_id=rng.choice((1, 2))))
        for ticket_id in rng.sample(range(1, 61), 10):  # new activity only: the counts stay
            conn.execute(update(T).where(T.c.id == ticket_id).values(
                last_activity_at=NOW + timedelta(seconds=rng.randrange(20_000))))
    _agrees(engine)
    with engine.begin() as conn:
        conn.execute(delete(T).where(T.c.id.in_(rng.sample(range(1, 61), 15))))
    _agrees(engine)
    with engine.begin() as conn:  # a rolled-back change leaves no trace
        conn.execute(update(T).values(status=Status.CLOSED.value))
        conn.execute(text("SELECT 1"))
        conn.rollback()
    _agrees(engine)


def test_the_migration_counts_the_tickets_already_there(database):
    engine, rng = database.migrated("0008"), random.Random(9)
    with engine.begin() as conn:
        for ticket_id in range(1, 41):
            _add(conn, ticket_id, rng)
    engine.dispose()
    migrate(Settings(database_url=database.url))
    engine = database.engine = make_engine(database.url)
    _agrees(engine)
    with engine.begin() as conn:  # and the triggers take over from the backfill
        conn.execute(update(T).where(T.c.id <= 10).values(status=Status.WAITING_FOR_CUSTOMER.value, assignee_id=None))
        _add(conn, 41, rng)
    _agrees(engine)
