"""Folder ingestion: ``python -m inbound.folder`` takes in every ``*.eml`` dropped into MAIL_IN_DIR.

``make run`` uses it for ``var/mail-in/`` (the /dev/mail page's "reply as the recipient" writes
there). A file is moved to ``processed/`` only after the intake committed it; writers should create
files under another name (a dot-file, or ``.tmp``) and rename them, as the dev page does.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from common.log import configure_logging
from common.runtime import beat, stop_on_signals

from .intake import Intake
from .settings import SERVICE, Settings
from .wiring import build_intake

logger = logging.getLogger(__name__)


class FolderIngester:
    def __init__(self, intake: Intake, folder: str | os.PathLike, interval: float = 1.0):
        self.intake = intake
        self.folder = Path(folder)
        self.done = self.folder / "processed"
        self.interval = interval

    def run_once(self) -> int:
        """Take every waiting file once; return how many were taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = 0
        for path in sorted(p for p in self.folder.glob("*.eml") if p.is_file() and not p.name.startswith(".")):
            result = self.intake.take(path.read_bytes(), "folder")
            self.done.mkdir(exist_ok=True)
            os.replace(path, self.done / path.name)
            logger.info("took %s: %s", path.name, result.status)
            taken += 1
        return taken

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            beat()
            try:
                self.run_once()
            except Exception:  # database down: the files wait where they are
                logger.exception("folder intake failed; retrying")
            stop.wait(self.interval)


def main() -> None:
    settings = Settings.from_env()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    stop = threading.Event()
    stop_on_signals(stop.set)
    logger.info("taking in *.eml files from %s", settings.mail_in_dir)
    FolderIngester(build_intake(settings), settings.mail_in_dir, settings.folder_poll_seconds).run_forever(stop)


if __name__ == "__main__":
    main()
