"""CPU of a list's first statement in the tickets API's process, without a database server: the way it was
built on every request (``queries.request_query`` + the context joins) against the prebuilt one
(``_walk_page`` with bound parameters), each run ``--runs`` times on an in-memory SQLite copy of the schema
(empty tables, so what is timed is building, caching/compiling and the driver call, not the query).

``.venv/bin/python bench/profiles/readfast_build.py [--runs 300] [--keys 4]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

from sqlalchemy import create_engine, select  # noqa: E402

from tickets.domain.visibility import Viewer  # noqa: E402
from tickets.store import queries  # noqa: E402
from tickets.store.tables import metadata  # noqa: E402
from tickets.store.tickets import WITH_CONTEXT, _one_with_context, _walk_page, _with_context  # noqa: E402


def cpu_ms(runs: int, call) -> float:
    call()
    began = time.process_time()
    for _ in range(runs):
        call()
    return (time.process_time() - began) / runs * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keys", type=int, default=4, help="reporter, participant and organisation keys")
    args = parser.parse_args()
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[t for t in metadata.sorted_tables if t.name != "tickets_fts"])
    viewer = Viewer("acc-1", "customer", frozenset(range(1, args.keys - 1)), frozenset())
    f = queries.RequestFilter()
    with engine.connect() as conn:
        def built():
            page = queries.request_query(viewer, f, 0, 51).subquery()
            conn.execute(_with_context(select(*WITH_CONTEXT), page).order_by(*queries.order(f.sort))).all()

        def prebuilt():
            keys = queries.plain_walk(viewer, f)
            conn.execute(_walk_page(len(keys)), queries.key_walk_params(keys, 0, 51)).all()

        def one_built():
            from tickets.store.tables import tickets
            conn.execute(_with_context(select(*WITH_CONTEXT)).where(tickets.c.key == "AM-1")).first()

        def one_prebuilt():
            conn.execute(_one_with_context(False), {"ref": "AM-1"}).first()

        conn.exec_driver_sql("CREATE VIRTUAL TABLE tickets_fts USING fts5(body)")
        searching = queries.RequestFilter(search="channel 42")

        def search(cache):
            page = queries.request_query(viewer, searching, 0, 51).subquery()
            statement = _with_context(select(*WITH_CONTEXT), page).order_by(*queries.order(searching.sort))
            conn.execution_options(compiled_cache=cache).execute(statement).all()

        for name, call in (("search page, not compiled-cached (as before: TextMatch had no cache key)",
                            lambda: search(None)), ("search page, compiled once", lambda: search(conn.engine._compiled_cache)),
                           ("list page, built per request", built), ("list page, prebuilt", prebuilt),
                           ("one request, built per request", one_built), ("one request, prebuilt", one_prebuilt)):
            print(f"{name}: {cpu_ms(args.runs, call):.2f} CPU ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
