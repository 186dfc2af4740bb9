"""IMAP poller: ``python -m inbound.imap`` takes in the mailbox named by IMAP_URL.

It fetches unseen messages one at a time, hands each to the intake, and only after the intake
committed it flags the message ``\\Seen`` (or moves it to IMAP_DONE_FOLDER). Killed in between,
it fetches the message again on restart and the intake recognises it. Between rounds it waits in
IDLE when the server offers it (new mail wakes it at once), else it polls every IMAP_POLL_SECONDS.
"""
from __future__ import annotations

import logging
import ssl
import threading

from imapclient import IMAPClient

from common.log import configure_logging
from common.runtime import beat, stop_on_signals

from .intake import Intake
from .settings import SERVICE, ImapConfig, Settings
from .wiring import build_intake

logger = logging.getLogger(__name__)
IDLE_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before the server's 30-minute timeout


class ImapPoller:
    def __init__(self, intake: Intake, config: ImapConfig, done_folder: str | None = None,
                 poll_seconds: float = 60.0, ssl_context: ssl.SSLContext | None = None):
        self.intake = intake
        self.config = config
        self.done_folder = done_folder
        self.poll_seconds = poll_seconds
        self.ssl_context = ssl_context
        self.client: IMAPClient | None = None

    def connect(self) -> IMAPClient:
        cfg = self.config
        client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls, ssl_context=self.ssl_context, timeout=60)
        client.login(cfg.username, cfg.password)
        client.select_folder(cfg.folder)
        if self.done_folder and not client.folder_exists(self.done_folder):
            client.create_folder(self.done_folder)
        self.client = client
        return client

    def run_once(self) -> int:
        """Take every unseen message of the folder; return how many were taken."""
        client = self.client or self.connect()
        taken = 0
        for uid in sorted(client.search(["UNSEEN", "NOT", "DELETED"])):
            # BODY.PEEK leaves \\Seen alone: the flag is set below, after the commit.
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
            if not fetched or b"BODY[]" not in fetched:
                continue
            result = self.intake.take(fetched[b"BODY[]"], "imap")
            self.finish(client, uid)
            logger.info("took IMAP message %s: %s", uid, result.status)
            taken += 1
        return taken

    def finish(self, client: IMAPClient, uid: int) -> None:
        """The message is committed: flag it, or move it out of the folder."""
        if self.done_folder:
            if client.has_capability("MOVE"):
                client.move([uid], self.done_folder)
            else:
                client.copy([uid], self.done_folder)
                client.add_flags([uid], [b"\\Deleted", b"\\Seen"])
                client.expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()
        else:
            client.add_flags([uid], [b"\\Seen"])

    def wait(self, stop: threading.Event) -> None:
        """Until new mail may be there: IDLE where offered (woken by the server), else a timed poll."""
        client = self.client
        if client is None or not client.has_capability("IDLE"):
            stop.wait(self.poll_seconds)
            return
        client.idle()
        try:
            waited = 0.0
            while not stop.is_set() and waited < IDLE_SECONDS:
                beat()
                if client.idle_check(timeout=min(5.0, self.poll_seconds)):
                    break
                waited += min(5.0, self.poll_seconds)
        finally:
            client.idle_done()

    def run_forever(self, stop: threading.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            beat()
            try:
                self.run_once()
                backoff = 1.0
                self.wait(stop)
            except Exception as exc:  # server or database unavailable: reconnect with back-off
                logger.warning("IMAP round failed, retrying in %.0fs: %s", backoff, exc)
                self.close()
                stop.wait(backoff)
                backoff = min(60.0, backoff * 2)
        self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # pragma: no cover - the connection is already gone
                pass


def build_poller(settings: Settings, intake: Intake | None = None) -> ImapPoller:
    return ImapPoller(intake or build_intake(settings), settings.require_imap(), settings.imap_done_folder,
                      settings.imap_poll_seconds)


def main() -> None:
    settings = Settings.from_env()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    poller = build_poller(settings)
    stop = threading.Event()
    stop_on_signals(stop.set)
    logger.info("polling %r", poller.config)
    poller.run_forever(stop)


if __name__ == "__main__":
    main()
