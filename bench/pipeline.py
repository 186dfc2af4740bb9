"""The event pipeline: outbox backlog and relay throughput, commit -> email latency, emails per second.

References measured in the same run: a kombu loop publishing the same bodies with publisher confirms
(one confirm per message) for the relay, and an smtplib loop sending the same number of emails to the
same sink over one connection for the notifier.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import smtplib
import statistics
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import text

from common.events import utc_now

from .cpu import CpuMeter, profile_process

KEY = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def seed_notifier_accounts(tickets_engine, notifier_engine) -> int:
    """Give the notifier's account replica the accounts the seed wrote by SQL (identity's events would).

    Without them every event about a seeded customer (their requests, or a request shared with an
    organisation they belong to) waits for an account event that never comes: retried, then
    dead-lettered, it would take the notifier's time and the emails the pipeline scenarios wait for.
    """
    from notifier.store.tables import accounts

    with tickets_engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, email, display_name, coalesce(language, 'en') AS language, role, active FROM accounts"))]
    if not rows:
        return 0
    from sqlalchemy.dialects.postgresql import insert

    now = utc_now()
    with notifier_engine.begin() as conn:
        conn.execute(insert(accounts).on_conflict_do_nothing(index_elements=["id"]),
                     [{**r, "updated_at": now} for r in rows])
    return len(rows)


def backlog(tickets_engine) -> int:
    with tickets_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()


class BacklogWatch:
    """Samples the tickets outbox backlog while a load runs; then times how long it takes to reach 0."""

    def __init__(self, tickets_engine, interval: float = 0.25):
        self.engine, self.interval = tickets_engine, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, backlog(self.engine))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def drain_seconds(self, timeout: float = 60) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if backlog(self.engine) == 0:
                return round(time.monotonic() - started, 2)
            time.sleep(0.1)
        return None


def relay_drain(system, load_backlog, extra: int = 0, profile_dir: Path | None = None) -> dict:
    """Pause the tickets relay, build a backlog by ``load_backlog()``, resume it and time the publishing.

    The relay process is paused with SIGSTOP and resumed with SIGCONT (its connections stay open), so
    what is timed is publishing alone, not a process start. ``extra`` more rows, copies of the real
    events with new ids under a routing key no consumer binds (the exchange's alternate queue takes
    them), make the backlog many of the relay's batches long without flooding the notifier. The rate
    is every row published over the time from the resume to an empty backlog; the relay's CPU time
    over the same interval gives events per CPU-second of one relay process.
    """
    import signal

    engine = system.engines["tickets"]
    with engine.connect() as conn:
        mark = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()
    relay = system.stack.processes["tickets-relay"]
    os.kill(relay.pid, signal.SIGSTOP)
    try:
        load_backlog()
        if extra:
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                    "SELECT md5(random()::text || n), o.exchange, 'bench.relay_probe', o.body, now(), 0 "
                    "FROM generate_series(1, :n) n, LATERAL (SELECT exchange, body FROM outbox WHERE id > :m "
                    "ORDER BY id LIMIT 1) o"), {"n": extra, "m": mark})
        pending = backlog(engine)
    finally:
        cpu = CpuMeter(system, ["tickets-relay"]).start()
        spy = profile_process(relay.pid, 10, profile_dir / "tickets-relay.raw", idle=True) if profile_dir else None
        started = time.monotonic()
        os.kill(relay.pid, signal.SIGCONT)
    while backlog(engine) and time.monotonic() - started < 120:
        time.sleep(0.05)
    drained = time.monotonic() - started
    used = cpu.stop()
    if spy is not None:
        spy.wait(timeout=60)
    with engine.connect() as conn:
        stamps = conn.execute(text(
            "SELECT published_at, count(*) FROM outbox WHERE id > :m AND published_at IS NOT NULL "
            "GROUP BY published_at ORDER BY published_at"), {"m": mark}).all()
        size = conn.execute(text("SELECT pg_size_pretty(avg(octet_length(body))::bigint) FROM outbox "
                                 "WHERE id > :m"), {"m": mark}).scalar()
    count = sum(n for _at, n in stamps)
    relay_cpu = used["cpu_s"]["tickets-relay"]
    return {"events": pending, "published": count, "batches": len(stamps), "seconds": round(drained, 2),
            "events_per_s": round(count / drained, 1) if drained else None, "backlog_to_zero_s": round(drained, 2),
            "relay_cpu_s": relay_cpu, "event_size": size,
            "events_per_cpu_s": round(count / relay_cpu, 1) if relay_cpu else None}


def sample_events(engine, n: int, like: str = "%") -> list[tuple[str, str]]:
    """The latest ``n`` outbox rows (routing key, body) whose routing key is LIKE ``like``."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT routing_key, body FROM outbox WHERE routing_key LIKE :like ORDER BY id DESC LIMIT :n"),
            {"n": n, "like": like})]


def kombu_reference(amqp_url: str, prefix: str, bodies: list[str], count: int, seconds: float = 10) -> dict:
    """Publish ``count`` of the relay's bodies with confirms, one at a time, to a bound durable queue
    (or as many as ``seconds`` allow)."""
    from kombu import Connection, Exchange, Producer, Queue

    exchange = Exchange(f"{prefix}bench.events", type="topic", durable=True)
    queue = Queue(f"{prefix}bench-relay-reference", exchange=exchange, routing_key="#", durable=True)
    with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange)
        started = time.monotonic()
        sent = 0
        while sent < count and time.monotonic() - started < seconds:
            producer.publish(bodies[sent % len(bodies)], routing_key="ticket.created", delivery_mode=2,
                             content_type="application/cloudevents+json", content_encoding="utf-8",
                             mandatory=True, message_id=uuid.uuid4().hex)
            sent += 1
        took = time.monotonic() - started
        queue(channel).purge()
    return {"events": sent, "seconds": round(took, 2), "events_per_s": round(sent / took, 1)}


async def _paced_transitions(base: str, headers: dict, moves: list[tuple[str, str]], rate: float, seconds: float,
                             sent: dict[str, list[float]], in_flight: int = 32) -> dict:
    """Offer ``rate`` changes/s for ``seconds``; a tick finding ``in_flight`` changes unanswered is skipped.

    So the scenario stays bounded in time when the system cannot keep up: ``achieved_per_s`` says what
    it did take, ``skipped`` how many ticks found it saturated.
    """
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    errors = skipped = 0
    busy = 0
    latencies = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=limits) as client:
        async def one(key: str, transition: str):
            nonlocal errors, busy
            started = time.monotonic()
            try:
                answer = await client.post(f"/rest/servicedeskapi/request/{key}/transition", json={"id": transition})
            except httpx.HTTPError:
                errors += 1
                return
            finally:
                busy -= 1
            done = time.monotonic()
            latencies.append(done - started)
            if answer.status_code >= 300:
                errors += 1
            else:
                # The change committed before the answer left: its arrival is when the commit is known.
                sent.setdefault(key, []).append(done)
        tasks = []
        total = int(rate * seconds)
        begin = time.monotonic()
        position = 0
        for n in range(total):
            await asyncio.sleep(max(0.0, begin + n / rate - time.monotonic()))
            if busy >= in_flight:
                skipped += 1
                continue
            key, transition = moves[position % len(moves)]
            position += 1
            busy += 1
            tasks.append(asyncio.create_task(one(key, transition)))
        offered = time.monotonic() - begin
        done, pending = await asyncio.wait(tasks, timeout=30) if tasks else (set(), set())
        for task in pending:
            task.cancel()
    return {"offered_per_s": rate, "seconds": round(offered, 1), "changes": len(tasks), "skipped": skipped,
            "errors": errors, "achieved_per_s": round(len(latencies) / offered, 1) if offered else None,
            "api_p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None}


def commit_to_email(system, agent_headers: dict, keys: list[str], rate: float, seconds: float) -> dict:
    """Status changes at a steady ``rate``; from each answer to its email at the sink (p50/p99/max)."""
    gw = system.gateway
    first = httpx.get(f"{gw}/rest/servicedeskapi/request/{keys[0]}/transition", headers=agent_headers, timeout=30)
    first.raise_for_status()
    names = {t["name"]: t["id"] for t in first.json()["values"]}
    there = names.get("Start progress") or names.get("In progress")
    back = names.get("Wait for customer") or names.get("Waiting for customer")
    if not (there and back):
        raise RuntimeError(f"transitions offered: {sorted(names)}")
    # Each key alternates In progress / Waiting for customer; keys are visited in turn, so one key
    # changes again only after every other key has changed once.
    moves = [(k, there) for k in keys] + [(k, back) for k in keys]
    engine = system.engines["tickets"]
    with engine.connect() as conn:
        outbox_mark = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()
    mark = system.sink.count()
    sent: dict[str, list[float]] = {}
    summary = asyncio.run(_paced_transitions(gw, agent_headers, moves, rate, seconds, sent))
    # The n-th answer for a key is its n-th status_changed event (a key changes again only after every
    # other key did): the commit times by event id.
    with engine.connect() as conn:
        events = conn.execute(text(
            "SELECT event_id, body FROM outbox WHERE id > :m AND routing_key LIKE '%status_changed%' ORDER BY id"),
            {"m": outbox_mark}).all()
    answered = {k: list(v) for k, v in sent.items()}
    commits = {}
    for event_id, body in events:
        times = answered.get(json.loads(body)["data"]["key"])
        if times:
            commits[event_id] = times.pop(0)
    summary.update(_latency_summary(_email_delays(system, mark, commits, wait=15), len(commits)))
    return summary


def _email_delays(system, mark: int, commits: dict[str, float], wait: float = 30, quiet: float = 3) -> dict:
    """From each event's commit (``commits``: event id -> commit time) to its first email at the sink.

    Emails are matched by event id (the Message-ID starts with it), so no other email about the same
    request is mistaken for the one awaited. Waits until every event's email came, or ``quiet``
    seconds pass without a new email (at most ``wait``). ``expected_emails`` counts the events the
    notifier spooled an email for (an event that concerns nobody is mailed to nobody).
    """
    deadline = time.monotonic() + wait
    seen, changed = -1, time.monotonic()
    while time.monotonic() < deadline:
        got = system.sink.since(mark)
        if commits.keys() <= {g[3] for g in got}:
            break
        if len(got) != seen:
            seen, changed = len(got), time.monotonic()
        elif time.monotonic() - changed > quiet:
            break
        time.sleep(0.1)
    first: dict[str, float] = {}
    for at, _to, _subject, event_id in system.sink.since(mark):
        first.setdefault(event_id, at)
    delays = [first[e] - t for e, t in commits.items() if e in first]
    with system.engines["notifier"].connect() as conn:
        spooled = conn.execute(text("SELECT count(DISTINCT event_id) FROM sent_mail WHERE event_id = ANY(:ids)"),
                               {"ids": list(commits)}).scalar()
    return {"delays": delays, "spooled": spooled}


def _latency_summary(found: dict, changes: int) -> dict:
    delays = found["delays"]
    return {"emails": len(delays), "expected_emails": found["spooled"], "changes_mailed": len(delays),
            "changes_unmailed": changes - found["spooled"],
            "p50_ms": round(percentile(delays, 50) * 1000, 1) if delays else None,
            "p99_ms": round(percentile(delays, 99) * 1000, 1) if delays else None,
            "max_ms": round(max(delays) * 1000, 1) if delays else None,
            "mean_ms": round(statistics.mean(delays) * 1000, 1) if delays else None}


def commit_to_email_outbox(system, rate: float, seconds: float) -> dict:
    """Status-change events committed to the tickets outbox at a steady ``rate``, each in its own
    transaction, as the tickets API commits them; from each commit to its email at the sink.

    The events are copies (new id and correlation id) of real ``ticket.status_changed`` events of the
    run, so each is mailed to its ticket's customer as the original was. This is the pipeline alone
    (outbox, relay, bus, notifier, SMTP) at the issue's rate, whatever rate the HTTP API could take
    changes at (``commit_to_email`` measures that way too).
    """
    engine = system.engines["tickets"]
    samples = sample_events(engine, 400, "%status_changed%")
    if not samples:
        raise RuntimeError("no ticket.status_changed event in the outbox to copy")
    with engine.connect() as conn:
        exchange = conn.execute(text("SELECT exchange FROM outbox WHERE routing_key LIKE '%status_changed%' "
                                     "ORDER BY id DESC LIMIT 1")).scalar()
    events = [(rk, json.loads(body)) for rk, body in samples]
    insert = text("INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                  "VALUES (:id, :x, :rk, :body, now(), 0)")
    mark = system.sink.count()
    commits: dict[str, float] = {}
    late = 0
    total = int(rate * seconds)
    begin = time.monotonic()
    with engine.connect() as conn:
        for n in range(total):
            due = begin + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -0.05:
                late += 1
            routing_key, event = events[n % len(events)]
            event = {**event, "id": uuid.uuid4().hex, "correlationid": uuid.uuid4().hex}
            with conn.begin():
                conn.execute(insert, {"id": event["id"], "x": exchange, "rk": routing_key, "body": json.dumps(event)})
            commits[event["id"]] = time.monotonic()
    offered = time.monotonic() - begin
    summary = {"offered_per_s": rate, "seconds": round(offered, 1), "changes": total,
               "achieved_per_s": round(total / offered, 1), "late_commits": late, "errors": 0}
    summary.update(_latency_summary(_email_delays(system, mark, commits, wait=15), total))
    return summary


def emails_per_second(system, routing_key: str, body: str, count: int, notifiers: int, window: float = 20,
                      profile_dir: Path | None = None, spread: bool = False) -> dict:
    """Queue ``count`` status-change events with the notifiers stopped, start ``notifiers`` of them, time the sink.

    The rate is taken over the emails that arrive within ``window`` seconds of the first one; what is
    still queued then is purged, so a slow notifier never stretches the bench. The notifier
    processes' CPU time over the same window gives emails per CPU-second of one notifier process.

    Copies of one event all mail the same person, whose emails leave one after another in the order
    queued, over one SMTP session whatever the number of notifiers: that is one mailbox's rate.
    ``spread`` gives each copy a customer of the notifier's replica in turn as its audience (and
    reporter), so the emails go to many people, as a desk's do.
    """
    from common.bus.publisher import Publisher
    from common.bus.topology import events_exchange
    from common.outbox import Outgoing

    names = [n for n in system.stack.processes if n.startswith("notifier-worker")]
    for name in names:
        system.stop_process(name)
    _purge(system.amqp, f"{system.bus_prefix}notifier")  # earlier scenarios' events: only these are timed
    event = json.loads(body)
    people = _customers(system) if spread else []
    exchange = events_exchange("tickets", system.bus_prefix).name
    publisher = Publisher(system.amqp)
    try:
        for start in range(0, count, 500):
            batch = []
            for n in range(start, start + min(500, count - start)):
                event["id"] = event["correlationid"] = uuid.uuid4().hex
                if people:
                    person = people[n % len(people)]
                    event["data"] = {**event["data"], "reporterId": person,
                                     "audience": {**event["data"]["audience"], "customers": [person]}}
                batch.append(Outgoing(exchange, routing_key, json.dumps(event), event["id"]))
            result = publisher.publish_batch(batch)
            if len(result.confirmed) != len(batch):
                raise RuntimeError(f"the broker confirmed {len(result.confirmed)} of {len(batch)} events")
    finally:
        publisher.close()
    mark = system.sink.count()
    spooled_before = _spooled(system)
    started = []
    for n in range(notifiers):
        name = f"notifier-worker-{n + 1}" if n else "notifier-worker"
        system.start_process(name, "notifier.worker")
        started.append(name)
    deadline = time.monotonic() + 60
    meter = None
    while time.monotonic() < deadline and system.sink.count() - mark < count:
        got = system.sink.since(mark)
        if got and meter is None:
            meter = CpuMeter(system, started).start()  # from the first email: start-up costs stay out
            spies = [profile_process(meter.pids[name], window, profile_dir / f"{name}-{notifiers}.raw")
                     for name in started] if profile_dir else []
        if got and got[-1][0] - got[0][0] >= window:
            break
        time.sleep(0.05)
    used = meter.stop() if meter else {"cpu_s": {}, "cpu_s_total": 0}
    # The CPU time above also paid for the emails queued in the spool but not yet sent in the window
    # (the consumer can run ahead of the senders): how many, so emails per CPU-second reads right.
    spooled = _spooled(system) - spooled_before
    for spy in (spies if meter else []):
        if spy is not None:
            spy.wait(timeout=60)
    got = system.sink.since(mark)
    got = [g for g in got if g[0] - got[0][0] <= window] if got else got
    span = got[-1][0] - got[0][0] if len(got) > 1 else 0
    for name in [n for n in system.stack.processes if n.startswith("notifier-worker-")]:
        system.stop_process(name)
    _purge(system.amqp, f"{system.bus_prefix}notifier")
    cpu = used["cpu_s_total"]
    return {"notifiers": notifiers, "events": count, "emails": len(got), "recipients": len({g[1] for g in got}), "seconds": round(span, 2),
            "emails_per_s": round(len(got) / span, 1) if span else None, "cpu_s": used["cpu_s"],
            "emails_per_cpu_s": round(len(got) / cpu, 1) if cpu else None, "spooled": spooled}


def _customers(system) -> list[str]:
    """Active customers of the notifier's account replica (people a ticket event may mail)."""
    with system.engines["notifier"].connect() as conn:
        return list(conn.execute(text("SELECT id FROM accounts WHERE role = 'customer' AND active ORDER BY id")).scalars())


def _spooled(system) -> int:
    """Rows in the notifier's spool (one per email queued, whatever became of it)."""
    with system.engines["notifier"].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sent_mail")).scalar()


def smtplib_reference(port: int, count: int, size: int, seconds: float = 10) -> dict:
    """Emails of about ``size`` bytes sent one after another over one SMTP connection to the same sink
    (``count`` of them, or as many as ``seconds`` allow)."""
    started = time.monotonic()
    sent = 0
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        while sent < count and time.monotonic() - started < seconds:
            msg = EmailMessage()
            msg["From"], msg["To"] = "support@support.example.com", "reference@example.com"
            msg["Subject"] = f"[REF-{sent}] reference email"
            msg["Message-ID"] = f"<{uuid.uuid4().hex}@bench>"
            msg.set_content("x" * size)
            smtp.send_message(msg)
            sent += 1
    took = time.monotonic() - started
    return {"emails": sent, "seconds": round(took, 2), "emails_per_s": round(sent / took, 1)}


def settle(system, timeout: float = 10) -> dict:
    """Before a latency scenario: drop the notifier's queued events (the emails of earlier scenarios'
    tickets) and wait, at most ``timeout`` s, for the spool's queued emails to go out, so the
    changes measured do not wait behind them. Returns what was dropped and left."""
    from kombu import Connection

    dropped = 0
    with Connection(system.amqp) as conn:
        try:
            dropped = conn.channel().queue_purge(f"{system.bus_prefix}notifier") or 0
        except Exception:  # noqa: BLE001 - no such queue: nothing to drop
            pass
    deadline = time.monotonic() + timeout
    while True:
        with system.engines["notifier"].connect() as conn:
            queued = conn.execute(text("SELECT count(*) FROM sent_mail WHERE status IN ('queued', 'sending')")).scalar()
        if not queued or time.monotonic() > deadline:
            return {"events_dropped": dropped, "spool_left": queued}
        time.sleep(0.2)


def _purge(amqp_url: str, queue: str) -> None:
    from kombu import Connection

    with Connection(amqp_url) as conn:
        try:
            conn.channel().queue_purge(queue)
        except Exception:  # noqa: BLE001 - a queue of another name: nothing to purge
            pass
