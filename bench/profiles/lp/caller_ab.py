"""The caller's statement (``AccountRepository.with_organizations``, the first of every tickets API
request) alone, in a loop on one session against ``lp_tickets`` (5433), with the code of ``TREE`` (env;
default this tree). Prints per caller the least, over ``--blocks``, of this process's CPU per statement
(``time.process_time``) and of the backend's (``/proc/<pid>/stat`` user+system ticks).

``TREE=/tmp/lp/before .venv/bin/python bench/profiles/lp/caller_ab.py [--runs 5000] [--blocks 5]``
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

TREE = Path(os.environ.get("TREE") or Path(__file__).resolve().parents[3])
sys.path[:0] = [str(TREE), str(TREE / "services/tickets"), str(TREE / "libs/common")]
URL = "postgresql+psycopg://postgres@127.0.0.1:5433/lp_tickets"
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--blocks", type=int, default=5)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    import tickets
    from bench.seed import customer_email
    from tickets.store.accounts import AccountRepository

    assert Path(tickets.__file__).is_relative_to(TREE), tickets.__file__
    engine = create_engine(URL)
    with engine.connect() as conn:
        session = Session(bind=conn)
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        people = dict(session.execute(text("SELECT email, id FROM accounts")).all())
        repo = AccountRepository(session)
        for name, email, desks in (("reporter", customer_email(1), False), ("member", "alice@example.com", False),
                                   ("agent", "agent@example.com", True)):
            account = people[email]
            for _ in range(20):
                repo.with_organizations(account, desks=desks)
            py, pg = [], []
            for _block in range(args.blocks):
                before_pg, before_py = backend_cpu(pid), time.process_time()
                for _ in range(args.runs):
                    repo.with_organizations(account, desks=desks)
                py.append((time.process_time() - before_py) / args.runs * 1e6)
                pg.append((backend_cpu(pid) - before_pg) / args.runs * 1e6)
            print(f"{name:9s} python {min(py):6.1f} us/statement  postgresql {min(pg):6.1f} us/statement  "
                  f"(py {' '.join(f'{v:.1f}' for v in py)}; pg {' '.join(f'{v:.1f}' for v in pg)})", flush=True)
        session.rollback()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
