"""The workload (creations, agent replies, resolutions through the gateway), its ledger, and the audit
that compares the ledger with the outbox, the independent subscriber and the SMTP sink.

What counts:

- **failed**: requests that did not get a 2xx (a 503 during an outage, a refused connection while a
  process restarts). Allowed: the client was told.
- **500s**: answers of 500 or any 5xx other than 502/503/504. Never allowed.
- **lost**: a 2xx whose event is missing from the outbox; an event of the outbox that never reached
  the bus (or was parked); an email that the event calls for and that neither reached the SMTP sink
  nor was recorded as a bounce. Never allowed.
- **duplicated**: the same email (Message-ID, which is derived from event and recipient) received
  more than once, beyond the sends the notifier counted as its one unavoidable window (``resent``).
  Events the bus delivered twice are shown apart (``bus again``): delivery is at least once and
  every consumer dedupes them by their inbox.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

API = "/rest/servicedeskapi"


@dataclass
class Op:
    kind: str  # create / reply / resolve
    status: int  # 0: no answer (connection refused, timeout)
    key: str | None = None
    comment_id: str | None = None
    reporter: str | None = None


@dataclass
class Ledger:
    ops: list[Op] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: Op) -> None:
        with self.lock:
            self.ops.append(op)

    @property
    def failed(self) -> int:
        return sum(1 for op in self.ops if not 200 <= op.status < 300)

    @property
    def server_errors(self) -> int:
        return sum(1 for op in self.ops if op.status >= 500 and op.status not in (502, 503, 504))


@dataclass
class Actors:
    gateway: str
    agent_email: str
    agent: dict
    customers: list[tuple[str, str, dict]]  # (email, account id, headers)
    desk_id: str
    request_type_id: str


def run_workload(actors: Actors, ledger: Ledger, iterations: int, duration: float, threads: int = 4,
                 stop: threading.Event | None = None) -> None:
    """``threads`` clients, each creating requests; two of three get an agent reply, one of three is resolved."""
    per_thread = max(1, iterations // threads)
    pause = duration / per_thread

    def client(n: int) -> None:
        rnd = random.Random(n)
        with httpx.Client(base_url=actors.gateway, timeout=20) as http:
            for i in range(per_thread):
                started = time.monotonic()
                email, _account, headers = actors.customers[(n + i) % len(actors.customers)]
                key = _create(http, ledger, actors, headers, email, f"Reliability {n}-{i} {rnd.random():.6f}")
                if key and i % 3 != 2:
                    if _reply(http, ledger, actors, key, email) and i % 3 == 0:
                        _resolve(http, ledger, actors, key, email)
                time.sleep(max(0.0, pause - (time.monotonic() - started)))

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _call(http: httpx.Client, method: str, path: str, **kw) -> httpx.Response | None:
    try:
        return http.request(method, path, **kw)
    except httpx.HTTPError:
        return None


def _create(http, ledger, actors, headers, email, summary) -> str | None:
    body = {"serviceDeskId": actors.desk_id, "requestTypeId": actors.request_type_id,
            "requestFieldValues": {"summary": summary, "description": "x" * 200, "organizations": []}}
    answer = _call(http, "POST", f"{API}/request", json=body, headers=headers)
    status = answer.status_code if answer is not None else 0
    key = answer.json()["issueKey"] if status == 201 else None
    ledger.add(Op("create", status, key=key, reporter=email))
    return key


def _reply(http, ledger, actors, key, email) -> bool:
    answer = _call(http, "POST", f"{API}/request/{key}/comment", json={"body": "An answer", "public": True},
                   headers=actors.agent)
    status = answer.status_code if answer is not None else 0
    ledger.add(Op("reply", status, key=key, comment_id=str(answer.json()["id"]) if status == 201 else None,
                  reporter=email))
    return status == 201


def _resolve(http, ledger, actors, key, email) -> None:
    answer = _call(http, "POST", f"{API}/request/{key}/transition", json={"id": "4"}, headers=actors.agent)
    ledger.add(Op("resolve", answer.status_code if answer is not None else 0, key=key, reporter=email))


@dataclass
class Audit:
    requests: int
    failed: int
    server_errors: int
    lost: int
    duplicated: int
    bus_again: int
    resent: int
    missing: list[str]

    @property
    def converged(self) -> bool:
        return not self.missing


class Auditor:
    """Reads the services' databases directly (not through the proxies) and the sinks."""

    def __init__(self, db_urls: dict[str, str], subscriber, sink, actors: Actors):
        self.engines = {svc: create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
                        for svc, url in db_urls.items()}
        self.subscriber = subscriber
        self.sink = sink
        self.actors = actors
        self.emails_by_account = {account: email for email, account, _ in actors.customers}

    def mark(self) -> dict[str, int]:
        """The last outbox id of each service: a row's audit covers what comes after."""
        marks = {}
        for svc in ("tickets", "identity", "inbound"):
            with self.engines[svc].connect() as conn:
                marks[svc] = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one()
        return marks

    def _outbox(self, svc: str, after: int) -> list:
        with self.engines[svc].connect() as conn:
            return conn.execute(text("SELECT id, event_id, routing_key, body, published_at, parked_at FROM outbox "
                                     "WHERE id > :after ORDER BY id"), {"after": after}).all()

    def _spool(self) -> dict[tuple[str, str], tuple[str, int]]:
        with self.engines["notifier"].connect() as conn:
            rows = conn.execute(text("SELECT event_id, recipient, status, resent FROM sent_mail")).all()
        return {(r.event_id, r.recipient): (r.status, r.resent) for r in rows}

    def audit(self, ledger: Ledger, marks: dict[str, int]) -> Audit:
        missing: list[str] = []
        tickets = self._outbox("tickets", marks["tickets"])
        events = [(row, json.loads(row.body)) for row in tickets]
        created = {e["data"]["key"] for _, e in events if row_type(e) == "ticket.created"}
        comments = {e["data"]["commentId"] for _, e in events if row_type(e) == "ticket.commented"}
        resolved = {e["data"]["key"] for _, e in events
                    if row_type(e) == "ticket.status_changed" and e["data"]["toStatus"].lower() == "resolved"}
        for op in ledger.ops:
            if not 200 <= op.status < 300:
                continue
            if op.kind == "create" and op.key not in created:
                missing.append(f"outbox: ticket.created of {op.key}")
            elif op.kind == "reply" and op.comment_id not in comments:
                missing.append(f"outbox: ticket.commented {op.comment_id} on {op.key}")
            elif op.kind == "resolve" and op.key not in resolved:
                missing.append(f"outbox: resolution of {op.key}")
        all_rows = tickets + self._outbox("identity", marks["identity"]) + self._outbox("inbound", marks["inbound"])
        with self.subscriber.lock:
            seen = Counter(self.subscriber.seen)
        for row in all_rows:
            if row.parked_at is not None:
                missing.append(f"parked: {row.routing_key} {row.event_id}")
            elif seen[row.event_id] == 0:
                missing.append(f"bus: {row.routing_key} {row.event_id}")
        spool = self._spool()
        received = self.sink.by_message_id()
        by_event: Counter = Counter()
        for message_id, count in received.items():
            by_event[message_id.strip("<>").split(".")[0]] += count
        resent = 0
        duplicated = 0
        for _, event in events:
            recipient = self._expected_recipient(event)
            if recipient is None:
                continue
            status, again = spool.get((event["id"], recipient), (None, 0))
            resent += again
            got = by_event[event["id"]]
            if got == 0 and status != "bounced":
                missing.append(f"email: {row_type(event)} {event['id']} to {recipient} (spool: {status})")
            duplicated += max(0, got - 1 - again)
        bus_again = sum(max(0, seen[row.event_id] - 1) for row in all_rows)
        return Audit(len(ledger.ops), ledger.failed, ledger.server_errors, len(missing), duplicated, bus_again,
                     resent, missing)

    def _expected_recipient(self, event: dict) -> str | None:
        """The one email each event of the workload calls for (None: it calls for none)."""
        kind, data = row_type(event), event["data"]
        reporter = self.emails_by_account.get(data["reporterId"])
        if kind == "ticket.created":
            return self.actors.agent_email
        if kind == "ticket.commented" and data["public"] and data.get("actorIsAgent"):
            return reporter
        if kind == "ticket.status_changed" and data.get("cause") != "comment":
            return reporter
        return None

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def row_type(event: dict) -> str:
    """``servicedesk.ticket.created.v1`` -> ``ticket.created``."""
    parts = event["type"].split(".")
    return ".".join(parts[1:-1])
