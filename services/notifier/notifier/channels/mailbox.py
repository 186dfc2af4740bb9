"""Delivery into a folder: each email is one RFC 5322 ``.eml`` file, written atomically."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

logger = logging.getLogger(__name__)


class MailboxChannel:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Write the message to ``<folder>/<time>-<digest>.eml``; readers never see a partial file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = message.as_bytes(policy=policy.default)
        # The name sorts by arrival; the digest keeps two emails of the same nanosecond apart.
        digest = hashlib.sha256(data + "".join(recipients).encode()).hexdigest()[:12]
        final = self.folder / f"{time.time_ns()}-{digest}.eml"
        # Temp file in the same folder (same filesystem), then rename: atomic on POSIX.
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        logger.info("wrote %s to %s", message["Message-ID"], final)
