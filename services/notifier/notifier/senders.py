"""A process's SMTP sessions behind one spool claim.

Each session (a ``Sender``, in a thread of its own) keeps its SMTP connection, so the relay works on
one email while the others wait for their answers. One claimer takes the due rows for all of them
and hands each row to the session its recipient hashes to, in the order claimed: one person's emails
leave one session in the order they were queued, and a wake-up or an idle poll costs one claim
statement for the process, not one per session (a claim that finds nothing was most of what idle
senders cost, in CPU and in PostgreSQL's).
"""
from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque, namedtuple

from .spool import Sender

logger = logging.getLogger(__name__)

# A row handed over by the consumer, with the columns a claim returns (as they were before it).
Handed = namedtuple("Handed", "event_id recipient message status attempts created_at message_id next_attempt_at")


class SenderPool:
    """One claimer thread and a thread per session.

    Each session waits on a condition of its own, so a claim wakes only the sessions it gave rows to
    (waking every session per claim, each to find nothing, cost more than the sends at intake rates).
    The sessions do not write their outcomes: they hand them to the claimer, which commits those of
    every session together once the oldest is ``record_every`` seconds old or a batch of them is
    waiting, in the transaction of its next claim when one is due (a transaction per session per
    wake-up was a fifth of the worker's CPU at 30 events/s). What a crash may send twice stays what
    it was: at most a batch of emails or ``record_every`` seconds of them.
    """

    def __init__(self, senders: list[Sender], idle: float = 1.0, max_backoff: float = 5.0):
        if not senders:
            raise ValueError("a pool needs at least one sender")
        self.senders = list(senders)
        self.idle, self.max_backoff = idle, max_backoff
        self.batch = self.senders[0].policy.batch
        self.record_every = self.senders[0].policy.record_every
        self._queues: list[deque] = [deque() for _ in self.senders]
        self._in_hand = 0  # rows claimed and not yet sent: they are "sending" in the spool
        self._lock = threading.Lock()
        self._ready = [threading.Condition(self._lock) for _ in self.senders]
        self._claimer_cond = threading.Condition(self._lock)
        self._claim_due = True  # a claim at start: what was queued before this process ran
        # Rows this process queued that no claim has taken yet: while there are, the consumer's new
        # emails are queued behind them too, not handed over (a person's emails stay in queued order).
        self._backlog = True
        self._wakes = 0
        self._outcomes: list[dict] = []  # sent, not yet recorded: those rows are still "sending"
        self._oldest = 0.0  # when the oldest of them was sent (monotonic)
        self._stopping = False
        self._claimer: threading.Thread | None = None

    def wake(self) -> None:
        """Something was queued: claim now rather than at the next poll."""
        with self._lock:
            self._claim_due = self._backlog = True
            self._wakes += 1
            self._claimer_cond.notify()

    def reserve(self, count: int) -> bool:
        """Room for ``count`` emails the consumer is about to insert already claimed (``hand`` them after
        its commit, or ``release`` them); False when they must be queued for a claim instead."""
        with self._lock:
            if self._backlog or self._stopping or self._in_hand + count > self.batch:
                return False
            self._in_hand += count
            return True

    def release(self, count: int) -> None:
        """Give back room reserved for emails that were not handed over (their transaction failed)."""
        with self._lock:
            self._in_hand -= count
            if self._in_hand < self.batch <= self._in_hand + count:
                self._claimer_cond.notify()

    def hand(self, reserved: int, rows: list[dict]) -> None:
        """Queue on their sessions the spool rows a committed transaction inserted "sending"; the
        transaction made them the claim's (a crash before they are sent leaves them to the lease)."""
        with self._lock:
            woken = set()
            for row in rows:
                lane = self.lane(row["recipient"])
                self._queues[lane].append(Handed(row["event_id"], row["recipient"], row["message"], "queued", 0,
                                                 row["created_at"], row["message_id"], row["next_attempt_at"]))
                woken.add(lane)
            for lane in woken:
                self._ready[lane].notify()
        if reserved > len(rows):  # duplicates: nothing inserted for them
            self.release(reserved - len(rows))

    def lane(self, recipient: str) -> int:
        """The session that sends every email to ``recipient`` (stable for the life of the process)."""
        return zlib.crc32(recipient.encode("utf-8")) % len(self.senders)

    def claim_once(self, outcomes: list[dict] | None = None) -> int:
        """Record ``outcomes`` and claim the due rows (one transaction), queue each row on its recipient's
        session; return how many were claimed."""
        wakes = self._wakes
        rows = self.senders[0]._claim(outcomes)
        with self._lock:
            if len(rows) < self.batch and self._wakes == wakes:
                self._backlog = False  # every row this process queued before the claim is in hand
        if rows:
            with self._lock:
                woken = set()
                for row in rows:
                    lane = self.lane(row.recipient)
                    self._queues[lane].append(row)
                    woken.add(lane)
                self._in_hand += len(rows)
                for lane in woken:
                    self._ready[lane].notify()
        return len(rows)

    def record_now(self) -> None:
        """Commit every outcome handed over so far (a stopping session's last act)."""
        with self._lock:
            taken, self._outcomes = self._outcomes, []
        if taken:
            try:
                self.senders[0].record(taken)
            except Exception as exc:  # noqa: BLE001 - those rows stay "sending": sent again after the lease
                logger.warning("could not record %d outcome(s) while stopping: %s", len(taken), exc)

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        self._claimer = threading.Thread(target=self._claim_loop, args=(stop,), name="mail-claimer", daemon=True)
        threads = [self._claimer] + [
            threading.Thread(target=self._session_loop, args=(n, stop), name=f"mail-sender-{n + 1}", daemon=True)
            for n in range(len(self.senders))]
        for thread in threads:
            thread.start()
        return threads

    def stopping(self) -> None:
        """Wake every thread of the pool (the stop event is set)."""
        with self._lock:
            self._stopping = True
            self._claimer_cond.notify_all()
            for ready in self._ready:
                ready.notify_all()

    def _next_step(self, stop: threading.Event, next_poll: float) -> tuple[bool, list[dict]]:
        """Wait (holding the lock) until a claim or a record is due; (claim?, outcomes to record)."""
        while not stop.is_set() and not self._stopping:
            now = time.monotonic()
            # Claimed rows are "sending" in the spool until recorded: a deeper queue in memory would
            # only widen what a crash sends twice. One batch in hand keeps every session busy.
            room = self._in_hand < self.batch
            claim = room and (self._claim_due or now >= next_poll)
            outcomes = self._outcomes
            record = bool(outcomes) and (len(outcomes) >= self.batch or now - self._oldest >= self.record_every)
            if claim or record:
                if claim:
                    self._claim_due = False  # cleared before the claim: a wake-up during it is not lost
                taken = []
                if record:
                    taken, self._outcomes = outcomes, []
                return claim, taken
            timeout = next_poll - now if room else self.idle
            if outcomes:
                timeout = min(timeout, self._oldest + self.record_every - now)
            self._claimer_cond.wait(max(timeout, 0.001))
        return False, []

    def _claim_loop(self, stop: threading.Event) -> None:
        backoff = 0.2
        next_poll = time.monotonic() + self.idle
        while True:
            with self._lock:
                claim, taken = self._next_step(stop, next_poll)
            if not claim and not taken:
                break  # stopping: the sessions record what is left
            try:
                if claim:
                    claimed = self.claim_once(taken)
                    next_poll = time.monotonic() + self.idle
                    if claimed >= self.batch:  # more may be due
                        with self._lock:
                            self._claim_due = True
                else:
                    self.senders[0].record(taken)
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - the database comes back; both are tried again
                with self._lock:
                    if taken:  # still the oldest: first again, and due at once
                        self._outcomes[:0] = taken
                        self._oldest = min(self._oldest, time.monotonic() - self.record_every)
                    self._claim_due = self._claim_due or claim
                logger.warning("mail claim or record failed, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(self.max_backoff, backoff * 2)

    def _hand_over(self, outcome: dict) -> None:
        with self._lock:
            if not self._outcomes:
                self._oldest = time.monotonic()
            self._outcomes.append(outcome)
            self._in_hand -= 1
            if self._in_hand == self.batch - 1 or len(self._outcomes) == self.batch:
                self._claimer_cond.notify()  # room for a claim, or a batch to record

    def _session_loop(self, index: int, stop: threading.Event) -> None:
        sender, queue, ready = self.senders[index], self._queues[index], self._ready[index]
        while True:
            with self._lock:
                while not queue and not stop.is_set() and not self._stopping:
                    ready.wait(self.idle)
            stopped = stop.is_set()
            if stopped and self._claimer is not None:
                self._claimer.join(timeout=30)  # its last claim is queued before the rest is given back
            with self._lock:
                rows = list(queue)
                queue.clear()
            for n, row in enumerate(rows):
                if stop.is_set():
                    with self._lock:
                        self._in_hand -= len(rows) - n
                    try:
                        sender._release(rows[n:])
                    except Exception as exc:  # noqa: BLE001 - not tried: taken again after the lease
                        logger.warning("could not give back %d email(s): %s", len(rows) - n, exc)
                    break
                self._hand_over(sender.send_one(row))
            if stopped or stop.is_set():
                self.record_now()
                return
