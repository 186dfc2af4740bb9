"""``bench.cpu.StackCpu`` counts the PostgreSQL backends a scenario opened after it began (a pool that
grows during the round), under the database they serve."""
from __future__ import annotations

from types import SimpleNamespace

import psycopg
from sqlalchemy.engine import make_url

from bench.cpu import StackCpu
from common.db import make_engine
from common.testing import postgres_server_url, throwaway_database

BURN = "SELECT count(*) FROM generate_series(1, 3000000) a WHERE a % 7 = 3"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_backend_opened_during_the_round_is_counted_under_its_database():
    with throwaway_database(postgres_server_url(), "cpuwatch") as url:
        name = make_url(url).database
        prefix = name[:-4]  # the bench names its databases <run prefix><service>
        engine = make_engine(url)
        try:
            system = SimpleNamespace(engines={"tickets": engine}, db_prefix=prefix,
                                     stack=SimpleNamespace(processes={}))
            with StackCpu(system) as used:
                late = psycopg.connect(_libpq(url))  # opened after the round's first look at the backends
                late.execute(BURN).fetchone()
                late.execute(BURN).fetchone()
            late.close()
            kind = f"postgres ({name[-4:]})"
            assert used.used.get(kind, 0) > 0.05, used.used
            assert set(used.used) == {kind}
        finally:
            engine.dispose()


def test_the_harness_connections_never_count_even_when_the_pool_hands_out_another_one():
    """The listing used to run on any pooled connection, excluding only itself: when the pool handed out
    another one at the end, the first (excluded at the start) counted with its whole life's CPU."""
    from bench.cpu import HARNESS
    from sqlalchemy import create_engine, text
    from common.db import normalise_url

    with throwaway_database(postgres_server_url(), "cpuharness") as url:
        prefix = make_url(url).database[:-4]
        engine = create_engine(normalise_url(url), pool_size=2, connect_args={"application_name": HARNESS})
        try:
            first, second = engine.connect(), engine.connect()
            first.execute(text(BURN)).all()  # a harness connection with CPU behind it (a seed, say)
            first.execute(text(BURN)).all()
            first.close(), second.close()
            system = SimpleNamespace(engines={"tickets": engine}, db_prefix=prefix,
                                     stack=SimpleNamespace(processes={}))
            with StackCpu(system) as used:
                # The harness at work during the round (a backlog watch, say), still holding its
                # connections when the round ends.
                held = [engine.connect(), engine.connect()]
                for conn in held:
                    conn.execute(text("SELECT 1")).all()
            for conn in held:
                conn.close()
            assert used.used == {}, used.used
        finally:
            engine.dispose()
