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
