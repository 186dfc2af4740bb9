"""PostgreSQL backend CPU per new shared ticket under migration 0010's triggers and under a variant measured and
not kept (``tfix_0011_variant.py``: access keys given with the INSERT, no second write of the row, a commit-time
check that each given key has its row), rounds alternating, each variant
300 numbered inserts with one share and a history row in one transaction, committed (0011's check runs at
commit). A throwaway database migrated by the tickets API's own migrations.

``PYTHONPATH=libs/common:services/tickets:. .venv/bin/python bench/profiles/tfix_pgcost.py [--rounds 3]``
"""
import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.scenarios import DESCRIPTION  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PG = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
INSERT = """WITH numbered AS (UPDATE service_desks SET last_ticket_number = last_ticket_number + 1 WHERE id = 1
                     RETURNING last_ticket_number AS number)
INSERT INTO tickets (desk_id, request_type_id, reporter_id, summary, description, field_values, status, updated_at,
                     status_changed_at, last_activity_at, created_at, number, key, search_vector)
SELECT 1, 1, %s, 'Bench intake: channel 7 figures missing', %s, '{}', 'waiting_for_support', now(), now(), now(),
       now(), number, 'AM-' || number, array_to_tsvector(%s::text[]) FROM numbered RETURNING id"""


def cpu(pid):
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def migration(name):
    path = ROOT / "services/tickets/tickets/migrations/versions" / name
    spec = importlib.util.spec_from_file_location(name[:4], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=300)
    args = ap.parse_args()
    from common.testing import throwaway_database
    from tickets.cli import migrate
    from tickets.demo import load
    from tickets.settings import Settings

    m10 = migration("0010_cheaper_intake_triggers.py")
    spec = importlib.util.spec_from_file_location("variant", Path(__file__).with_name("tfix_0011_variant.py"))
    m11 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m11)
    with throwaway_database(PG, "tfixpg") as url:
        settings = Settings(database_url=url, jwt_public_key_file=None, public_url="http://portal.test")
        migrate(settings)
        load(settings)
        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        pid = conn.info.backend_pid
        conn.execute("INSERT INTO organizations (id, name) VALUES (1, 'Org 1') ON CONFLICT DO NOTHING")
        conn.execute(m11.CHECK[0])  # the variant's check function (its trigger comes and goes below)

        def as_0010():
            conn.execute("DROP TRIGGER IF EXISTS tickets_given_links ON tickets")
            conn.execute(m10.SEARCH_DOCUMENT)
            conn.execute(m10.FROM_LINK)

        def as_0011():
            conn.execute(m11.SEARCH_DOCUMENT.format(new=m10._NEW, full=m10._FULL))
            conn.execute(m10._from_link(m11.FROM_LINK_INSERT))
            conn.execute(m11.CHECK[1])

        def run(label, given):
            t0 = cpu(pid)
            with conn.transaction():
                for _ in range(args.n):
                    tid = conn.execute(INSERT, ("reporter", DESCRIPTION, ["o:1"] if given else None)).fetchone()[0]
                    conn.execute("INSERT INTO ticket_shares (ticket_id, organization_id) VALUES (%s, 1)", (tid,))
                    conn.execute("INSERT INTO ticket_history (ticket_id, at, actor_id, kind) VALUES (%s, now(), "
                                 "'reporter', 'created')", (tid,))
            used = cpu(pid) - t0
            print(f"{label:40} backend CPU {1000 * used / args.n:6.3f} ms per shared ticket", flush=True)
            return used

        for _ in range(args.rounds):
            as_0010()
            run("0010: share trigger rewrites the row", False)
            as_0011()
            run("variant: key given with the INSERT", True)
            conn.execute("DROP TRIGGER IF EXISTS tickets_given_links ON tickets")
            run("variant without its commit-time check", True)
        conn.close()


if __name__ == "__main__":
    main()
