"""PostgreSQL backend CPU per numbered ticket insert (the create's one statement, committed one by one):
every CTE present (empty sets too) against only the CTEs with rows, and main's three statements (the
numbered ticket, its share, its history as executemany), blocks alternating in one connection.
A throwaway database migrated by the tickets API's own migrations; one share and the two history rows,
the bench's 1 KB description.

``PYTHONPATH=libs/common:services/tickets:. .venv/bin/python bench/profiles/tc/pg_shape.py [--blocks 6] [-n 300]``
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

from bench.profiles.intakefast_inproc import PG
from bench.scenarios import DESCRIPTION

TICK = __import__("os").sysconf("SC_CLK_TCK")


def cpu(pid: int) -> float:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("-n", type=int, default=300)
    args = ap.parse_args()
    from common.db import make_engine, make_session_factory
    from common.testing import throwaway_database
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.settings import Settings
    from tickets.store.tables import ticket_shares
    from tickets.store.tickets import _INSERT_HISTORY, _INSERT_SET, _numbered_insert

    with throwaway_database(PG, "tcshape") as url:
        settings = Settings(database_url=url, jwt_public_key_file=None, public_url="http://portal.test")
        migrate(settings)
        load(settings)
        session = make_session_factory(make_engine(url))()
        session.execute(text("INSERT INTO organizations (id, name) VALUES (1, 'Org 1') ON CONFLICT DO NOTHING"))
        session.commit()
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        session.commit()
        now = datetime.now(timezone.utc)
        rows = json.dumps({"history": [
            {"at": now.isoformat(), "actor_id": "reporter", "kind": "created", "field": None, "from_value": None,
             "to_value": None},
            {"at": now.isoformat(), "actor_id": "reporter", "kind": "status", "field": None, "from_value": None,
             "to_value": "Waiting for support"}],
            "participant_ids": [], "organization_ids": [1], "muted_ids": [], "watcher_ids": []})
        params = {"p_desk_id": 1, "p_prefix": "AM-", "p_request_type_id": 1, "p_reporter_id": "reporter",
                  "p_assignee_id": None, "p_summary": "Bench intake: channel 7 figures missing",
                  "p_description": DESCRIPTION, "p_field_values": {}, "p_status": "Waiting for support",
                  "p_updated_at": now, "p_status_changed_at": now, "p_last_activity_at": now, "p_created_at": now,
                  "p_rows": rows}
        variants = {"every CTE": (True, True, True, True, True), "only those with rows": (True, False, True, False, False),
                    "as before: 3 statements": None}
        history = [{"ticket_id": 0, "at": now, "actor_id": "reporter", "kind": k, "field": None, "from_value": None,
                    "to_value": v} for k, v in (("created", None), ("status", "Waiting for support"))]

        def before_create():
            # main's TicketRepository.add: the numbered ticket, then its share and history as executemany.
            (row,) = _numbered_insert((False,) * 5).run(session, params)
            _INSERT_SET[ticket_shares].run(session, [{"ticket_id": row.id, "organization_id": 1}])
            _INSERT_HISTORY.run(session, [{**h, "ticket_id": row.id} for h in history])
        used: dict[str, list[float]] = {v: [] for v in variants}
        for b in range(args.blocks + 1):
            for name, shape in variants.items():
                before = cpu(pid)
                for _ in range(args.n):
                    if shape is None:
                        before_create()
                    else:
                        _numbered_insert(shape).run(session, params)
                    session.commit()
                if b:  # the first block of each warms the statements up
                    used[name].append(1000 * (cpu(pid) - before) / args.n)
        for name, values in used.items():
            values.sort()
            print(f"{name:22} PG CPU per ticket: least {values[0]:.3f} ms, median {values[len(values) // 2]:.3f} ms "
                  f"({', '.join(f'{v:.3f}' for v in values)})")
        session.close()


if __name__ == "__main__":
    main()
