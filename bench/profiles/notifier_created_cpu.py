"""CPU time of the notifier's consumer per ``ticket.created`` event, in-process, no broker, no SMTP.

The worker of ``notifier.worker.build_worker`` on a file SQLite database, its channel a no-op; 50
customers and an agent in the replica; events handled in batches of 50 (``_handle_batch``, as the
worker does with a backlog). Each event queues two emails: the reporter's "request received" and
the agent's "new request". Logging at WARNING, so both versions compared log alike.

``python bench/profiles/notifier_created_cpu.py [N]``; to measure another version of the notifier,
put its package first: ``PYTHONPATH=/path/to/old/services/notifier python ...``.
"""
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common.events import CloudEvent, event_type
from notifier.settings import Settings
from notifier.store.tables import metadata
import notifier.worker as worker_module


class _Null:
    def send(self, message, recipients):
        pass


class _Message:
    def ack(self):
        pass


def _event(name: str, data: dict) -> CloudEvent:
    return CloudEvent(type=event_type(name), source="/servicedesk/bench", data=data)


def main(total: int = 2000) -> None:
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp())
    settings = Settings(database_url=f"sqlite:///{folder / 'n.db'}", smtp_url=str(folder / "mail"),
                        public_url="http://desk.test")
    worker_module.make_channel = lambda url, timeout: _Null()
    worker = worker_module.build_worker(settings)
    metadata.create_all(worker.session_factory.kw["bind"])
    customers = [str(uuid.uuid4()) for _ in range(50)]
    agent = str(uuid.uuid4())
    people = [(c, f"c{n}@example.com", f"Customer {n}", "customer") for n, c in enumerate(customers)]
    for account_id, email, name, role in people + [(agent, "agent@example.com", "Agent", "agent")]:
        event = _event("account.created", {"accountId": account_id, "email": email, "displayName": name,
                                           "language": "en", "role": role, "active": True})
        worker.handle(event, worker.handlers[event.routing_key])

    def created(n: int) -> dict:
        reporter = customers[n % len(customers)]
        return _event("ticket.created", {
            "ticketId": str(n), "key": f"AM-{n + 1}", "deskId": "d", "deskKey": "AM", "deskName": "IT",
            "requestTypeId": "r", "summary": f"Printer {n} is down again", "status": "Waiting for support",
            "reporterId": reporter, "assigneeId": None, "actorId": reporter, "actorIsAgent": False,
            "audience": {"customers": [], "agents": [agent]}, "organizationIds": [], "participantIds": [],
            "description": "x" * 1000, "channel": "portal"}).to_dict()

    def run(first: int, count: int) -> None:
        for start in range(first, first + count, 50):
            if not worker._handle_batch([(created(n), _Message()) for n in range(start, start + 50)]):
                raise RuntimeError("a batch failed")

    run(0, 200)  # templates compiled, caches warm
    began = time.process_time()
    run(200, total)
    spent = time.process_time() - began
    print(f"{worker_module.__file__}: {1000 * spent / total:.2f} ms CPU per ticket.created "
          f"({total} events, 2 emails each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
