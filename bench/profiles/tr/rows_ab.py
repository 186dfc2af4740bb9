"""A page's first statement with its context, the former shape (desk and people as 26 columns on every
row) against the JSON arrays, run and loaded alternately in one process (least CPU of N blocks).

``.venv/bin/python bench/profiles/tr/rows_ab.py`` after ``readfast2_inproc.py`` left its copy."""
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

import psycopg  # noqa: E402
from psycopg.rows import namedtuple_row  # noqa: E402

from tickets.domain.catalog import Account, Desk  # noqa: E402

URL = os.environ.get("ROWS_URL", "postgresql://postgres@127.0.0.1:5433/rf2inproc_tickets")
T = ("t.id, t.desk_id, t.number, t.key, t.request_type_id, t.reporter_id, t.assignee_id, t.summary, "
     "t.description, CAST(t.field_values AS TEXT) AS field_values, t.status, t.created_at, t.updated_at, "
     "t.status_changed_at, t.last_activity_at")
D = "id, key, name, description, active, invite_unknown_participants, restricted, email_address, " \
    "email_request_type_id, email_signup, email_require_dmarc, customer_sharing"
P = "id, email, display_name, language, role, active"
JOIN = ("FROM tickets t JOIN service_desks d ON d.id = t.desk_id LEFT JOIN accounts r ON r.id = t.reporter_id "
        "LEFT JOIN accounts a ON a.id = t.assignee_id WHERE t.desk_id = 1 ORDER BY t.last_activity_at DESC LIMIT 51")
OLD = (f"SELECT {T}, d.created_at AS dc, d.last_ticket_number, {', '.join('d.' + c + ' AS d_' + c for c in D.split(', '))}, "
       f"{', '.join('r.' + c + ' AS r_' + c for c in P.split(', '))}, {', '.join('a.' + c + ' AS a_' + c for c in P.split(', '))} {JOIN}")
NEW = (f"SELECT {T}, CAST(json_build_array({', '.join('d.' + c for c in D.split(', '))}) AS TEXT) AS desk_row, "
       f"CAST(json_build_array({', '.join('r.' + c for c in P.split(', '))}) AS TEXT) AS reporter_row, "
       f"CAST(json_build_array({', '.join('a.' + c for c in P.split(', '))}) AS TEXT) AS assignee_row {JOIN}")


def old(cur):
    cur.execute(OLD, prepare=True)
    desks, people = {}, {}
    for r in cur.fetchall():
        if r.desk_id not in desks:
            desks[r.desk_id] = Desk(*r[17:29])
        if r.reporter_id not in people:
            people[r.reporter_id] = Account(*r[29:35])
        if r.assignee_id is not None and r.assignee_id not in people:
            people[r.assignee_id] = Account(*r[35:41])
    return desks, people


def new(cur):
    cur.execute(NEW, prepare=True)
    desks, people = {}, {}
    for r in cur.fetchall():
        if r.desk_id not in desks:
            desks[r.desk_id] = Desk(*json.loads(r.desk_row))
        if r.reporter_id not in people:
            people[r.reporter_id] = Account(*json.loads(r.reporter_row))
        if r.assignee_id is not None and r.assignee_id not in people:
            people[r.assignee_id] = Account(*json.loads(r.assignee_row))
    return desks, people


with psycopg.connect(URL, autocommit=True) as conn:
    cur = conn.cursor(row_factory=namedtuple_row)
    assert old(cur) == new(cur)
    best = {"old": 1e9, "new": 1e9}
    for _block in range(30):
        for name, run in (("old", old), ("new", new)):
            began = time.process_time()
            for _ in range(50):
                run(cur)
            best[name] = min(best[name], (time.process_time() - began) / 50 * 1000)
    print(f"page of 50 with its context, CPU ms (least of 30 blocks of 50): former {best['old']:.3f}, "
          f"JSON arrays {best['new']:.3f}, ratio {best['new'] / best['old']:.2f}")
