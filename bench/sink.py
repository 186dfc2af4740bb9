"""The SMTP sink the notifier sends to: accepts everything, notes when and what (subject, recipients)."""
from __future__ import annotations

import threading
import time
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Sink:
    """aiosmtpd handler: (arrival time, To, Subject) of every message, kept in memory."""

    def __init__(self):
        self.arrivals: list[tuple[float, str, str]] = []
        self.lock = threading.Lock()
        self.port = 0
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.arrivals.append((now, ",".join(envelope.rcpt_tos), str(headers.get("Subject", ""))))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def since(self, index: int) -> list[tuple[float, str, str]]:
        with self.lock:
            return list(self.arrivals[index:])

    def start(self, port: int) -> "Sink":
        self.port = port
        self._controller = Controller(self, hostname="127.0.0.1", port=port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
