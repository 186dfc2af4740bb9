"""The sender: delivers each spool row (one email, one recipient) on its own, the way an MTA would.

- **Accepted** (2xx): the row is marked ``sent``. Outcomes are written together, one commit for
  the emails sent since the last one (at most ``SpoolPolicy.batch`` emails or ``record_every``
  seconds; in a ``SenderPool``, those of all its sessions, with the next claim): a commit per email
  would make the database's disk flush, not SMTP, the limit. Should that commit fail (the database
  is down), the marks are kept in memory and written before anything else is claimed, so a
  database failure after the server accepted an email never sends it again.
- **Refused for good** (5xx, except authentication failures, which are ours to fix): ``bounced``,
  with the server's answer; never retried; the other recipients of the event are unaffected.
- **Refused for now** (4xx, a dropped connection, a timeout): the row waits
  ``SMTP_RETRY_BASE * 2**(attempts-1)`` seconds (at most ``SMTP_RETRY_MAX``) and is tried again, for
  ``SMTP_MAX_AGE`` (five days by default, as Postfix's ``maximal_queue_lifetime``); then ``parked``.
  Other rows go on being sent meanwhile.
- **The one window that may mail twice**: the sender dies (SIGKILL, power) after the server accepted
  emails and before their marks commit (at most one batch: ``SpoolPolicy.batch`` emails or
  ``record_every`` seconds of sending). Those rows stay ``sending``; once ``SMTP_LEASE`` has passed,
  a sender takes them again and sends them again, adding one to each row's ``resent`` (counted, logged).

Several notifier processes share the spool: claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL. Within a
process, one claim feeds every SMTP session (``notifier.senders``).
"""
from __future__ import annotations

import functools
import logging
import re
import smtplib
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from sqlalchemy import Engine, and_, bindparam, or_, select, text, tuple_, update
from sqlalchemy.orm import Session

from common.db import Prepared
from common.errors import is_database_outage
from common.events import utc_now
from common.metrics import EMAILS

from .channels import Channel
from .store.tables import sent_mail

logger = logging.getLogger(__name__)
AUTH_CODES = {530, 534, 535, 538}  # the server refuses our credentials: fix the settings, lose nothing


@dataclass(frozen=True)
class SpoolPolicy:
    retry_base: float = 60.0
    retry_max: float = 3600.0
    max_age: float = 5 * 24 * 3600.0
    lease: float = 600.0
    batch: int = 50
    record_every: float = 0.25  # seconds: outcomes older than this are committed before the next send


def is_permanent(exc: BaseException) -> bool:
    """True for a refusal that retrying cannot change (an SMTP 5xx other than authentication)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 and code not in AUTH_CODES for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and exc.smtp_code not in AUTH_CODES
    return False


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"


_ORIGIN_LINE = re.compile(rb"^(?:from|sender):", re.IGNORECASE)


def envelope_sender(message: bytes) -> str:
    """The envelope sender of a spooled message (as smtplib's send_message: its Sender, else its From).

    Only the From and Sender lines (with their continuations) are parsed, and each distinct block of
    them once: every email of a desk has the same From, and parsing the whole header block per email
    cost more than its SMTP exchange on a local relay.
    """
    kept, keep = [], False
    for line in message.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line[:1] not in (b" ", b"\t"):  # not a continuation: a header of its own starts
            keep = _ORIGIN_LINE.match(line) is not None
        if keep:
            kept.append(line + b"\r\n")
    return _envelope_sender(b"".join(kept) + b"\r\n")


@functools.lru_cache(maxsize=256)
def _envelope_sender(head: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(head, headersonly=True)
    found = getaddresses([str(headers["Sender"] or headers["From"] or "")])
    return found[0][1] if found else ""


# The due rows locked (skipping those another claimer holds) and marked "sending" in one round trip;
# the columns come back as they were before the update (a "sending" row is a resend: ``resent`` + 1).
_CLAIM = Prepared(text(
    "WITH due AS (SELECT event_id, recipient, status, attempts, next_attempt_at FROM sent_mail "
    "WHERE (status = 'queued' AND next_attempt_at <= :now) OR (status = 'sending' AND sending_since < :stale) "
    "ORDER BY next_attempt_at LIMIT :batch FOR UPDATE SKIP LOCKED) "
    "UPDATE sent_mail AS t SET status = 'sending', sending_since = :now, attempts = t.attempts + 1, "
    "resent = t.resent + CASE WHEN due.status = 'sending' THEN 1 ELSE 0 END "
    "FROM due WHERE t.event_id = due.event_id AND t.recipient = due.recipient "
    "RETURNING t.event_id, t.recipient, t.message, due.status, due.attempts, t.created_at, t.message_id, "
    "due.next_attempt_at"), returns_rows=True)


@functools.lru_cache(maxsize=16)
def _marking(columns: tuple[str, ...]) -> Prepared:
    """The UPDATE that records one kind of outcome (its columns), built once and run on the driver
    (on PostgreSQL; through the session elsewhere)."""
    t = sent_mail
    return Prepared(update(t).where(t.c.event_id == bindparam("b_event_id"), t.c.recipient == bindparam("b_recipient"))
                    .values({c: bindparam(f"b_{c}") for c in columns}), returns_rows=False)


# Emails accepted by the server, the outcome of nearly every row: one statement for any number of them
# (the UPDATE above runs once per row).
_SENT_COLUMNS = ("last_error", "message", "sending_since", "sent_at", "status")
_MARK_SENT = Prepared(text(
    "UPDATE sent_mail AS t SET status = 'sent', sent_at = x.at, message = NULL, last_error = NULL, "
    "sending_since = NULL FROM unnest(CAST(:ids AS varchar[]), CAST(:recipients AS varchar[]), "
    "CAST(:ats AS timestamptz[])) AS x(event_id, recipient, at) "
    "WHERE t.event_id = x.event_id AND t.recipient = x.recipient"), returns_rows=False)


def write_outcomes(session: Session, outcomes: list[dict]) -> None:
    """The outcomes' UPDATEs in ``session``'s transaction: one statement per kind of outcome."""
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for outcome in outcomes:
        groups[tuple(sorted(outcome["values"]))].append(outcome)
    on_driver = session.get_bind().dialect.driver == "psycopg"
    for columns, kept in groups.items():
        if on_driver and columns == _SENT_COLUMNS:
            _MARK_SENT.run(session, {"ids": [o["event_id"] for o in kept],
                                     "recipients": [o["recipient"] for o in kept],
                                     "ats": [o["values"]["sent_at"] for o in kept]})
            continue
        params = [{"b_event_id": o["event_id"], "b_recipient": o["recipient"],
                   **{f"b_{c}": v for c, v in o["values"].items()}} for o in kept]
        _marking(columns).run(session, params)


class Sender:
    def __init__(self, engine: Engine, channel: Channel, spool_policy: SpoolPolicy | None = None):
        """One SMTP session's sender; ``notifier.senders.SenderPool`` runs several behind one claim."""
        self.engine = engine
        self.channel = channel
        self.policy = spool_policy or SpoolPolicy()
        self._lock_rows = engine.dialect.name == "postgresql"
        self._on_driver = self._lock_rows and engine.dialect.driver == "psycopg"
        self._unmarked: list[dict] = []  # outcomes the database has not taken yet
        self._recorded = time.monotonic()

    def _claim(self, outcomes: list[dict] | None = None) -> list:
        """Claim the due rows, after writing ``outcomes`` (one transaction for both on PostgreSQL)."""
        if self._on_driver:
            rows = self._claim_in_one(outcomes)
            self._warn_resending(rows)
            return rows
        if outcomes:
            self.record(outcomes)
        t, now = sent_mail, utc_now()
        due = or_(and_(t.c.status == "queued", t.c.next_attempt_at <= now),
                  and_(t.c.status == "sending", t.c.sending_since < now - timedelta(seconds=self.policy.lease)))
        query = (select(t.c.event_id, t.c.recipient, t.c.message, t.c.status, t.c.attempts, t.c.created_at,
                        t.c.message_id)
                 .where(due).order_by(t.c.next_attempt_at).limit(self.policy.batch))
        if self._lock_rows:
            query = query.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            fresh = [(r.event_id, r.recipient) for r in rows if r.status != "sending"]
            stale = [(r.event_id, r.recipient) for r in rows if r.status == "sending"]
            self._warn_resending(rows)
            # One statement for the batch (the rows are locked by the claim on PostgreSQL).
            for keys, extra in ((fresh, {}), (stale, {"resent": t.c.resent + 1})):
                if keys:
                    conn.execute(update(t).where(tuple_(t.c.event_id, t.c.recipient).in_(keys))
                                 .values(status="sending", sending_since=now, attempts=t.c.attempts + 1, **extra))
        return rows

    def _claim_in_one(self, outcomes: list[dict] | None = None) -> list:
        """PostgreSQL: the claim as one statement of constant text, run on the driver (``_CLAIM``)."""
        now = utc_now()
        with Session(self.engine) as session, session.begin():
            if outcomes:
                write_outcomes(session, outcomes)
            rows = _CLAIM.run(session, {"now": now, "stale": now - timedelta(seconds=self.policy.lease),
                                        "batch": self.policy.batch})
        # UPDATE ... RETURNING keeps no order: the rows are handed on oldest due first, as selected.
        rows.sort(key=lambda r: (r.next_attempt_at is None, r.next_attempt_at or datetime.min))
        return rows

    @staticmethod
    def _warn_resending(rows) -> None:
        for row in rows:
            if row.status == "sending":
                # Its sender died between handing it over and recording the answer: it may have
                # gone out. Sending again is the MTA's choice too (a lost email is worse).
                logger.warning("email %s to %s was being sent by a sender that stopped; sending it again "
                               "(it may arrive twice)", row.message_id, row.recipient)

    def _record(self) -> None:
        """Commit every outcome kept in memory, in one transaction (one statement per kind of outcome)."""
        if not self._unmarked:
            return
        taken = list(self._unmarked)
        self.record(taken)
        del self._unmarked[:len(taken)]
        self._recorded = time.monotonic()

    def record(self, outcomes: list[dict]) -> None:
        """Commit ``outcomes`` in one transaction."""
        with Session(self.engine) as session, session.begin():
            write_outcomes(session, outcomes)

    def _outcome(self, row, exc: BaseException | None) -> dict:
        now = utc_now()
        if exc is None:
            values = {"status": "sent", "sent_at": now, "message": None, "last_error": None, "sending_since": None}
        elif is_permanent(exc):
            values = {"status": "bounced", "last_error": describe(exc)[:2000], "sending_since": None}
            logger.warning("email %s to %s bounced: %s", row.message_id, row.recipient, describe(exc))
        else:
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=now.tzinfo)
            attempts = row.attempts + 1
            delay = min(self.policy.retry_max, self.policy.retry_base * 2 ** (attempts - 1))
            values = {"last_error": describe(exc)[:2000], "sending_since": None}
            if (now - created).total_seconds() + delay > self.policy.max_age:
                values["status"] = "parked"
                logger.error("email %s to %s parked after %d attempts over %.0fs: %s", row.message_id,
                             row.recipient, attempts, (now - created).total_seconds(), describe(exc))
            else:
                values.update(status="queued", next_attempt_at=now + timedelta(seconds=delay))
                logger.info("email %s to %s deferred %.1fs (attempt %d): %s", row.message_id, row.recipient,
                            delay, attempts, describe(exc))
        return {"event_id": row.event_id, "recipient": row.recipient, "values": values}

    def send_one(self, row) -> dict:
        """Send one claimed row; its outcome, to record (every failure is an outcome of this row alone)."""
        error: BaseException | None = None
        try:
            self._send(row)
        except Exception as exc:
            error = exc
        EMAILS.labels("failed" if error else "sent").inc()
        return self._outcome(row, error)

    def _send(self, row) -> None:
        send_bytes = getattr(self.channel, "send_bytes", None)
        if send_bytes is None:
            self.channel.send(message_from_bytes(row.message, policy=policy.default), [row.recipient])
            return
        # The spool holds the message as it goes on the wire: no parse and flatten again per email.
        send_bytes(row.message, envelope_sender(row.message), [row.recipient], row.message_id)

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Send the due rows; return how many were handled. Raises when the database is unavailable."""
        self._record()
        rows = self._claim()
        self.deliver(rows, stop)
        return len(rows)

    def deliver(self, rows, stop: threading.Event | None = None) -> None:
        """Send claimed ``rows`` in their order and record the outcomes (rows left on a stop are given back).

        Raises when the database is unavailable at the last record; the outcomes stay in memory and
        are written before anything else is sent."""
        for index, row in enumerate(rows):
            if stop is not None and stop.is_set():
                self._release(rows[index:])
                break
            self._unmarked.append(self.send_one(row))
            if time.monotonic() - self._recorded < self.policy.record_every:
                continue
            try:
                self._record()
            except Exception as exc:
                if not is_database_outage(exc):
                    raise
                # The rows claimed are sent all the same; their outcomes wait in memory.
                logger.warning("database unavailable; %d outcome(s) to record: %s", len(self._unmarked),
                               str(exc).splitlines()[0])
                self._recorded = time.monotonic()
        if self._unmarked:
            self._record()

    def _release(self, rows) -> None:
        """Give back rows claimed but not tried (stopping): they are no crash, nothing was sent."""
        t = sent_mail
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(update(t).where(t.c.event_id == row.event_id, t.c.recipient == row.recipient)
                             .values(status="queued", sending_since=None, attempts=row.attempts))
