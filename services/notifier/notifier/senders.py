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
import zlib
from collections import deque

from .spool import Sender

logger = logging.getLogger(__name__)


class SenderPool:
    def __init__(self, senders: list[Sender], idle: float = 1.0, max_backoff: float = 5.0):
        if not senders:
            raise ValueError("a pool needs at least one sender")
        self.senders = list(senders)
        self.idle, self.max_backoff = idle, max_backoff
        self.batch = self.senders[0].policy.batch
        self._queues: list[deque] = [deque() for _ in self.senders]
        self._in_hand = 0  # rows claimed and not yet sent: they are "sending" in the spool
        self._cond = threading.Condition()
        self._wake = threading.Event()
        self._claimer: threading.Thread | None = None

    def wake(self) -> None:
        """Something was queued: claim now rather than at the next poll."""
        self._wake.set()

    def lane(self, recipient: str) -> int:
        """The session that sends every email to ``recipient`` (stable for the life of the process)."""
        return zlib.crc32(recipient.encode("utf-8")) % len(self.senders)

    def claim_once(self) -> int:
        """Claim the due rows and queue each on its recipient's session; return how many were claimed."""
        rows = self.senders[0]._claim()
        if rows:
            with self._cond:
                for row in rows:
                    self._queues[self.lane(row.recipient)].append(row)
                self._in_hand += len(rows)
                self._cond.notify_all()
        return len(rows)

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
        self._wake.set()
        with self._cond:
            self._cond.notify_all()

    def _claim_loop(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            with self._cond:
                # Claimed rows are "sending" in the spool until recorded: a deeper queue in memory
                # would only widen what a crash sends twice. One batch in hand keeps every session busy.
                while self._in_hand >= self.batch and not stop.is_set():
                    self._cond.wait(self.idle)
            if stop.is_set():
                break
            self._wake.clear()  # cleared before the claim: a wake-up during it is not lost
            try:
                claimed = self.claim_once()
                backoff = 0.2
            except Exception as exc:  # noqa: BLE001 - the database comes back; the claim is tried again
                logger.warning("mail claim failed, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(self.max_backoff, backoff * 2)
                continue
            if claimed < self.batch:  # nothing more is due: wait for an event or the next poll
                self._wake.wait(self.idle)

    def _session_loop(self, index: int, stop: threading.Event) -> None:
        sender, queue = self.senders[index], self._queues[index]
        backoff = 0.2
        while True:
            with self._cond:
                while not queue and not sender._unmarked and not stop.is_set():
                    self._cond.wait(self.idle)
            if stop.is_set() and self._claimer is not None:
                self._claimer.join(timeout=30)  # its last claim is queued before the rest is given back
            with self._cond:
                rows = list(queue)
                queue.clear()
            try:
                sender._record()  # outcomes kept through a database outage go first
            except Exception as exc:  # noqa: BLE001
                with self._cond:
                    queue.extendleft(reversed(rows))  # untouched: still first, in their order
                if stop.is_set():
                    return
                logger.warning("mail sender could not record outcomes, retrying in %.1fs: %s", backoff, exc)
                stop.wait(backoff)
                backoff = min(self.max_backoff, backoff * 2)
                continue
            backoff = 0.2
            try:
                sender.deliver(rows, stop)  # on a stop, gives back the rows it did not try
            except Exception as exc:  # noqa: BLE001 - the outcomes stay in memory, recorded before the next send
                logger.warning("mail sender could not record outcomes: %s", exc)
            finally:
                with self._cond:
                    self._in_hand -= len(rows)
                    self._cond.notify_all()
            if stop.is_set():
                return
