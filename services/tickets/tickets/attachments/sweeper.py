"""The bounded background job that removes expired temporary files and their blobs.

Each pass takes at most ``batch`` expired rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several sweepers never fight over a row), deletes their blobs, then the rows, in one transaction,
and stops after ``max_batches``; ``run_forever`` repeats a pass every ``interval`` seconds. A blob
deleted whose row then fails to commit only belonged to an expired upload, and the next pass
deletes the row (deleting a missing blob is a no-op).
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from common.events import utc_now

from ..store.uow import UnitOfWork
from .runtime import Files

logger = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], files: Files, batch: int = 200,
                 max_batches: int = 10, interval: float = 60.0, clock=utc_now):
        self.uow_factory = uow_factory
        self.files = files
        self.batch = batch
        self.max_batches = max_batches
        self.interval = interval
        self.clock = clock

    def run_once(self) -> int:
        """One bounded pass; returns how many temporary files were removed."""
        removed = 0
        for _ in range(self.max_batches):
            with self.uow_factory() as uow:
                expired = uow.attachments.expired_temporary(self.clock(), self.batch)
                if not expired:
                    break
                blobs = [b for t in expired for b in (t.file.blob_id, t.file.thumbnail_blob_id) if b]
                self.files.storage.delete(uow.session, blobs)
                uow.attachments.delete_temporary([t.id for t in expired])
                uow.commit()
            removed += len(expired)
            if len(expired) < self.batch:
                break
        if removed:
            logger.info("removed %d expired temporary attachment(s)", removed)
        return removed

    def run_forever(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set; an error is logged and the next pass tries again."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a sweeper must outlive a database or store hiccup
                logger.exception("sweeping temporary attachments failed; retrying in %.0f s", self.interval)
            stop.wait(self.interval)


def build_sweeper(settings) -> Sweeper:
    """A sweeper with its own engine, for the relay process and the command line."""
    from common.db import make_engine, make_session_factory
    from common.outbox import Outbox

    from ..store.tables import outbox
    from .runtime import build_files

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    box = Outbox(outbox, settings.exchange)
    return Sweeper(lambda: UnitOfWork(factory, box), build_files(settings.attachments, engine))
