"""CPU of the spool's INSERT for a batch of N emails: this process's, and its PostgreSQL backend's (/proc).

``PYTHONPATH=<notifier package dir> .venv/bin/python bench/profiles/nt5/spool_insert_micro.py [--runs 300]
[--compression lz4]``
on a throwaway database of ``TEST_DATABASE_URL``'s server (the server must run on this machine).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.append(str(ROOT / "services" / "notifier"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from common.db import normalise_url  # noqa: E402
from common.testing import postgres_server_url, throwaway_database  # noqa: E402
from notifier.cli import migrate  # noqa: E402
from notifier.settings import Settings  # noqa: E402
from notifier.store.sent_log import SentLog  # noqa: E402


def backend_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--compression", help="the message column's compression first (pglz, lz4)")
    args = ap.parse_args()
    # A real email of the bench's kind (2.5 KB, compressible HTML), each one different.
    from email.headerregistry import Address

    from notifier.domain.model import CUSTOMER, Recipient
    from notifier.mail.compose import compose_bytes
    from notifier.mail.render import render

    rendered = render("mail_request_received", "en", key="AM-12", summary="Fingerprints missing 12",
                      desk_name="Audio Matching", status="Waiting for support", side=CUSTOMER,
                      url="https://desk.example.com/portal/AM-12", mute_url="https://desk.example.com/mute/AM-12",
                      reply_address=None, other_address=None, reply_is_note=False)
    message = compose_bytes(rendered, Address("Service Desk", "support", "desk.example.com"),
                            Recipient(email="r@example.com", language="en", side=CUSTOMER, display_name="R",
                                      account_id="1"), "<m@desk.example.com>")
    with throwaway_database(postgres_server_url(), "nt5spool") as url:
        migrate(Settings(database_url=url, amqp_url="memory://", smtp_url="smtp://127.0.0.1:9",
                         mail_from="Service Desk <support@desk.example.com>", reply_token_secret="b" * 64))
        engine = create_engine(normalise_url(url), pool_size=1)
        if args.compression:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE sent_mail ALTER COLUMN message SET COMPRESSION {args.compression}"))
        log = SentLog()
        with Session(engine) as session:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            session.commit()
            for rows in (2, 4, 8):
                for phase in ("warm", "measure"):
                    runs = 20 if phase == "warm" else args.runs
                    cpu, pg = time.process_time(), backend_cpu(pid)
                    for n in range(runs):
                        with session.begin():
                            log.buffer(session)
                            for r in range(rows):
                                log.queue(session, f"{phase}-{rows}-{n}-{r}", f"r{r}@example.com", f"<m{n}.{r}@x>",
                                          "ticket_created", message, "c-1", "AM-1")
                            assert log.flush(session) == rows
                    if phase == "measure":
                        print(f"{rows} emails: client {1e6 * (time.process_time() - cpu) / runs:.0f} µs, "
                              f"PostgreSQL {1e6 * (backend_cpu(pid) - pg) / runs:.0f} µs per batch "
                              f"(with BEGIN and COMMIT)")
        engine.dispose()


if __name__ == "__main__":
    main()
