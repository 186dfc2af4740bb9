"""The event pipeline: outbox backlog and relay throughput, commit -> email latency, emails per second.

References measured in the same run: a kombu loop publishing the same bodies with publisher confirms
(one confirm per message) for the relay, and an smtplib loop sending the same number of emails to the
same sink over one connection for the notifier.
"""
from __future__ import annotations

import asyncio
import json
import re
import smtplib
import statistics
import threading
import time
import uuid
from email.message import EmailMessage

import httpx
from sqlalchemy import text

KEY = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


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


def relay_drain(system, load_backlog, extra: int = 0) -> dict:
    """Stop the tickets relay, build a backlog by ``load_backlog()``, restart it and time the publishing.

    ``extra`` more rows, copies of the real events with new ids under a routing key no consumer binds
    (the exchange's alternate queue takes them), make the backlog as large as the kombu reference's
    count without flooding the notifier.
    """
    engine = system.engines["tickets"]
    with engine.connect() as conn:
        mark = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()
    system.stop_process("tickets-relay")
    load_backlog()
    if extra:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, attempts) "
                "SELECT md5(random()::text || n), o.exchange, 'bench.relay_probe', o.body, now(), 0 "
                "FROM generate_series(1, :n) n, LATERAL (SELECT exchange, body FROM outbox WHERE id > :m "
                "ORDER BY id LIMIT 1) o"), {"n": extra, "m": mark})
    pending = backlog(engine)
    started = time.monotonic()
    system.start_process("tickets-relay", "tickets.relay")
    while backlog(engine) and time.monotonic() - started < 120:
        time.sleep(0.1)
    drained = time.monotonic() - started
    with engine.connect() as conn:
        first, last, count = conn.execute(text(
            "SELECT min(published_at), max(published_at), count(published_at) FROM outbox WHERE id > :m"),
            {"m": mark}).one()
    span = (last - first).total_seconds() if first and last else 0
    return {"events": pending, "published": count, "seconds": round(span, 2),
            "events_per_s": round(count / span, 1) if span else None, "backlog_to_zero_s": round(drained, 2)}


def sample_events(engine, n: int, like: str = "%") -> list[tuple[str, str]]:
    """The latest ``n`` outbox rows (routing key, body) whose routing key is LIKE ``like``."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT routing_key, body FROM outbox WHERE routing_key LIKE :like ORDER BY id DESC LIMIT :n"),
            {"n": n, "like": like})]


def kombu_reference(amqp_url: str, prefix: str, bodies: list[str], count: int) -> dict:
    """Publish ``count`` of the relay's bodies with confirms, one at a time, to a bound durable queue."""
    from kombu import Connection, Exchange, Producer, Queue

    exchange = Exchange(f"{prefix}bench.events", type="topic", durable=True)
    queue = Queue(f"{prefix}bench-relay-reference", exchange=exchange, routing_key="#", durable=True)
    with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange)
        started = time.monotonic()
        for n in range(count):
            producer.publish(bodies[n % len(bodies)], routing_key="ticket.created", delivery_mode=2,
                             content_type="application/cloudevents+json", content_encoding="utf-8",
                             mandatory=True, message_id=uuid.uuid4().hex)
        seconds = time.monotonic() - started
        queue(channel).purge()
    return {"events": count, "seconds": round(seconds, 2), "events_per_s": round(count / seconds, 1)}


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
    mark = system.sink.count()
    sent: dict[str, list[float]] = {}
    summary = asyncio.run(_paced_transitions(gw, agent_headers, moves, rate, seconds, sent))
    expected = sum(len(v) for v in sent.values())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(system.sink.since(mark)) < expected:
        time.sleep(0.1)
    pending = {k: list(v) for k, v in sent.items()}
    delays = []
    for at, _to, subject in system.sink.since(mark):
        match = KEY.search(subject)
        if match and pending.get(match.group(1)):
            delays.append(at - pending[match.group(1)].pop(0))
    summary.update({"emails": len(delays), "expected_emails": expected,
                    "p50_ms": round(percentile(delays, 50) * 1000, 1) if delays else None,
                    "p99_ms": round(percentile(delays, 99) * 1000, 1) if delays else None,
                    "max_ms": round(max(delays) * 1000, 1) if delays else None,
                    "mean_ms": round(statistics.mean(delays) * 1000, 1) if delays else None})
    return summary


def emails_per_second(system, routing_key: str, body: str, count: int, notifiers: int, window: float = 20) -> dict:
    """Queue ``count`` status-change events with the notifiers stopped, start ``notifiers`` of them, time the sink.

    The rate is taken over the emails that arrive within ``window`` seconds of the first one; what is
    still queued then is purged, so a slow notifier never stretches the bench.
    """
    from kombu import Connection, Producer

    from common.bus.topology import events_exchange

    names = [n for n in system.stack.processes if n.startswith("notifier-worker")]
    for name in names:
        system.stop_process(name)
    event = json.loads(body)
    exchange = events_exchange("tickets", system.bus_prefix)
    with Connection(system.amqp, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=exchange)
        for _ in range(count):
            event["id"] = uuid.uuid4().hex
            producer.publish(json.dumps(event), routing_key=routing_key, delivery_mode=2,
                             content_type="application/cloudevents+json", content_encoding="utf-8",
                             message_id=event["id"])
    mark = system.sink.count()
    for n in range(notifiers):
        system.start_process(f"notifier-worker-{n + 1}" if n else "notifier-worker", "notifier.worker")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(system.sink.since(mark)) < count:
        got = system.sink.since(mark)
        if got and got[-1][0] - got[0][0] >= window:
            break
        time.sleep(0.1)
    got = system.sink.since(mark)
    got = [g for g in got if g[0] - got[0][0] <= window] if got else got
    span = got[-1][0] - got[0][0] if len(got) > 1 else 0
    for name in [n for n in system.stack.processes if n.startswith("notifier-worker-")]:
        system.stop_process(name)
    _purge(system.amqp, f"{system.bus_prefix}notifier")
    return {"notifiers": notifiers, "events": count, "emails": len(got), "seconds": round(span, 2),
            "emails_per_s": round(len(got) / span, 1) if span else None}


def smtplib_reference(port: int, count: int, size: int) -> dict:
    """``count`` emails of about ``size`` bytes sent one after another over one SMTP connection."""
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for n in range(count):
            msg = EmailMessage()
            msg["From"], msg["To"] = "support@support.example.com", "reference@example.com"
            msg["Subject"] = f"[REF-{n}] reference email"
            msg["Message-ID"] = f"<{uuid.uuid4().hex}@bench>"
            msg.set_content("x" * size)
            smtp.send_message(msg)
    seconds = time.monotonic() - started
    return {"emails": count, "seconds": round(seconds, 2), "emails_per_s": round(count / seconds, 1)}


def _purge(amqp_url: str, queue: str) -> None:
    from kombu import Connection

    with Connection(amqp_url) as conn:
        try:
            conn.channel().queue_purge(queue)
        except Exception:  # noqa: BLE001 - a queue of another name: nothing to purge
            pass
