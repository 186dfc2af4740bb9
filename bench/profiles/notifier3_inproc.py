"""The notifier consumer's CPU per ticket.created handled one at a time, in-process, on PostgreSQL.

Builds the worker (``notifier.worker.build_worker``) on a throwaway database of the server in
``TEST_DATABASE_URL``, loads the reporter's and agent's accounts, then hands it ``--events`` events
one by one through its batch path (what a delivery at intake rates takes), as kombu would, with a
stand-in for the message's ack. Prints CPU ms per event; ``--profile`` adds cProfile's top entries.
The SMTP senders are not started (their cost is measured in the stack: notifier_stack.py).

``PYTHONPATH=<notifier package dir> .venv/bin/python bench/profiles/notifier3_inproc.py [--events 600]``
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "services" / "notifier"))  # after PYTHONPATH: a version given there wins

from common.events import CloudEvent, event_type  # noqa: E402
from common.testing import postgres_server_url, throwaway_database  # noqa: E402
from notifier.cli import migrate  # noqa: E402
from notifier.settings import Settings  # noqa: E402
from notifier.worker import build_worker  # noqa: E402


import logging
logging.basicConfig(level=logging.WARNING)


class Delivery:
    def ack(self):
        pass


def event(name: str, data: dict, subject: str) -> dict:
    return CloudEvent(type=event_type(name), source="/servicedesk/bench", subject=subject,
                      correlationid=str(uuid.uuid4()), data=data).to_dict()


def account(account_id: str, email: str, role: str) -> dict:
    return event("account.created", {"accountId": account_id, "email": email, "displayName": email.split("@")[0],
                                     "language": "en", "role": role, "kind": "internal", "active": True}, account_id)


def created(n: int, reporter: str, agent: str) -> dict:
    return event("ticket.created", {
        "ticketId": str(n), "key": f"AM-{n}", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
        "requestTypeId": "1", "summary": f"Fingerprints missing {n}", "status": "Waiting for support",
        "reporterId": reporter, "actorId": reporter, "channel": "portal", "participantIds": [], "organizationIds": [], "deskEmail": "am@desk.example.com",
        "audience": {"customers": [], "agents": [agent]}}, f"AM-{n}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=600)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    with throwaway_database(postgres_server_url(), "notifinproc") as url:
        settings = Settings(database_url=url, amqp_url="memory://", smtp_url="smtp://127.0.0.1:9",
                            mail_from="Service Desk <support@desk.example.com>", reply_token_secret="b" * 64)
        migrate(settings)
        worker = build_worker(settings)
        reporter, agent = str(uuid.uuid4()), str(uuid.uuid4())
        for body in (account(reporter, "reporter@example.com", "customer"), account(agent, "agent@example.com", "agent")):
            assert worker._handle_batch([(body, Delivery())])
        bodies = [created(n + 1, reporter, agent) for n in range(args.events + 50)]
        for body in bodies[:50]:  # warm: templates compiled, statements prepared
            assert worker._handle_batch([(body, Delivery())])
        profiler = cProfile.Profile() if args.profile else None
        started, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for body in bodies[50:]:
            worker._handle_batch([(body, Delivery())])
        if profiler:
            profiler.disable()
        used, wall = time.process_time() - started, time.perf_counter() - wall
        worker.session_factory.kw["bind"].dispose()
    print(f"{args.events} events one at a time: {1000 * used / args.events:.3f} ms CPU per event "
          f"({1000 * wall / args.events:.3f} ms wall)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
