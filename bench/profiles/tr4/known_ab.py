"""``TicketRepository._known`` of the branch point against this tree's, on the same rows (a queue page of
100 of the snapshot database), alternating blocks in one process; least CPU per call of each.

``.venv/bin/python bench/profiles/tr4/known_ab.py``"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tickets.domain.catalog import Account  # noqa: E402
from tickets.domain.visibility import Viewer  # noqa: E402
from tickets.store import tickets as T  # noqa: E402
from tickets.store.queries import queue_filter  # noqa: E402


def known_before(rows):
    """The branch point's loop (its row layout aside: the desk's columns are no longer in the row)."""
    known = T.Known()
    accounts = known.accounts
    for r in rows:
        for at, account_id in ((T.AT_REPORTER, r.reporter_id), (T.AT_ASSIGNEE, r.assignee_id)):
            if account_id is not None and account_id not in accounts:
                person = r[at:at + len(T.PERSON)]
                if person[0] is not None:
                    accounts[person[0]] = Account(*person)
    return known


engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5433/rf2inproc_tickets")
with Session(engine) as session:
    am = session.execute(text("SELECT id FROM service_desks WHERE key = 'AM'")).scalar_one()
    agent = session.execute(text("SELECT id FROM accounts WHERE email = 'agent@example.com'")).scalar_one()
    viewer = Viewer(agent, "agent", frozenset(), frozenset({am}))
    rows = T._page_statement(viewer, queue_filter("all", am, agent), 0, 101, True).run(session, {})[:100]
assert known_before(rows).accounts == T.TicketRepository._known(rows).accounts
best = {"before": 1e9, "after": 1e9}
for _ in range(30):
    for label, f in (("before", known_before), ("after", T.TicketRepository._known)):
        began = time.process_time()
        for _ in range(200):
            f(rows)
        best[label] = min(best[label], (time.process_time() - began) / 200 * 1e3)
print(f"_known of 100 rows: before {best['before']:.4f} ms, after {best['after']:.4f} ms, "
      f"after/before {best['after'] / best['before']:.2f}")
