"""PostgreSQL backend CPU per created ticket row set (the create's numbered statement with one share and the
two history rows, the bench's 1 KB description, committed one by one), on two throwaway databases migrated by
the tickets API's migrations: one migrated to 0012 only (the share's trigger writes the ticket row again), one at
0013 (the share's key given with the INSERT). Blocks alternate between the two; one connection each. Also
prints how many ticket rows were updated (``pg_stat_user_tables.n_tup_upd``) per insert.

``PYTHONPATH=libs/common:services/tickets:. .venv/bin/python bench/profiles/tc2/pg_keys.py [--blocks 6] [-n 300]``
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


def _wal_per_ticket(session, insert) -> tuple[int, int]:
    """WAL records and bytes of one ticket's committed transaction (its own records, by transaction id:
    ``pg_walinspect``; other databases' writes in between are not counted), the least of 20."""
    session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_walinspect"))
    session.commit()
    found = []
    for _ in range(20):
        start = session.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
        session.commit()
        xid = session.execute(text("SELECT txid_current()")).scalar()
        insert()
        session.commit()
        end = session.execute(text("SELECT pg_current_wal_flush_lsn()")).scalar()  # past its commit record
        found.append(tuple(session.execute(text(
            "SELECT count(*), coalesce(sum(record_length + fpi_length), 0) FROM pg_get_wal_records_info(:s, :e) "
            "WHERE xid = :x"), {"s": start, "e": end, "x": xid % 2**32}).one()))
        session.commit()
    return min(found, key=lambda f: f[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--participant", action="store_true", help="a participant too")
    ap.add_argument("--ddl", action="append", default=[], help="SQL run on the 0013 database first (a variant)")
    args = ap.parse_args()
    from common.db import make_engine, make_session_factory
    from common.testing import throwaway_database
    from common import migrate as migrations
    from tickets.cli import MIGRATIONS
    from tickets.demo import load
    from tickets.settings import Settings
    from tickets.store.tickets import _numbered_insert

    now = datetime.now(timezone.utc)
    participants = ["participant"] if args.participant else []
    rows = json.dumps({"history": [
        {"at": now.isoformat(), "actor_id": "reporter", "kind": "created", "field": None, "from_value": None,
         "to_value": None},
        {"at": now.isoformat(), "actor_id": "reporter", "kind": "status", "field": None, "from_value": None,
         "to_value": "Waiting for support"}],
        "participant_ids": participants, "organization_ids": [1], "muted_ids": [], "watcher_ids": [],
        "keys": [f"p:{p}" for p in participants] + ["o:1"]})
    params = {"p_desk_id": 1, "p_prefix": "AM-", "p_request_type_id": 1, "p_reporter_id": "reporter",
              "p_assignee_id": None, "p_summary": "Bench intake: channel 7 figures missing",
              "p_description": DESCRIPTION, "p_field_values": {}, "p_status": "Waiting for support",
              "p_updated_at": now, "p_status_changed_at": now, "p_last_activity_at": now, "p_created_at": now,
              "p_rows": rows}
    shape = (True, bool(participants), True, False, False)
    with throwaway_database(PG, "tc2keys12") as url12, throwaway_database(PG, "tc2keys13") as url13:
        sessions = {}
        for name, url in (("0012", url12), ("0013", url13)):
            settings = Settings(database_url=url, jwt_public_key_file=None, public_url="http://portal.test")
            migrations.upgrade(MIGRATIONS, url, name)
            load(settings)
            if name == "0013":
                for ddl in args.ddl:
                    with make_engine(url).begin() as conn:
                        conn.exec_driver_sql(ddl)
            session = make_session_factory(make_engine(url))()
            session.execute(text("INSERT INTO organizations (id, name) VALUES (1, 'Org 1') ON CONFLICT DO NOTHING"))
            for account in ("reporter", *participants):
                session.execute(text("INSERT INTO accounts (id, email, role, active, language, updated_at) "
                                     "VALUES (:a, :e, 'customer', true, 'en', now())"), {"a": account, "e": f"{account}@example.com"})
            session.commit()
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            session.commit()
            sessions[name] = (session, pid)
        wal = {name: _wal_per_ticket(session, lambda s=session: _numbered_insert(shape).run(s, params))
               for name, (session, _) in sessions.items()}
        used: dict[str, list[float]] = {v: [] for v in sessions}
        for b in range(args.blocks + 1):
            for name, (session, pid) in sessions.items():
                before = cpu(pid)
                for _ in range(args.n):
                    _numbered_insert(shape).run(session, params)
                    session.commit()
                if b:  # the first block of each warms the statements up
                    used[name].append(1000 * (cpu(pid) - before) / args.n)
        for name, values in used.items():
            session = sessions[name][0]
            updated, inserted = session.execute(text(
                "SELECT n_tup_upd, n_tup_ins FROM pg_stat_user_tables WHERE relname = 'tickets'")).one()
            session.commit()
            values.sort()
            print(f"{name}: PG CPU per ticket least {values[0]:.3f} ms, median {values[len(values) // 2]:.3f} ms "
                  f"({', '.join(f'{v:.3f}' for v in values)}); ticket rows updated per insert "
                  f"{updated / max(inserted, 1):.2f}; WAL of its transaction {wal[name][0]} records, {wal[name][1]} bytes")
            session.close()


if __name__ == "__main__":
    main()
