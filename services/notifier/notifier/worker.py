"""The notifier's consumer: ``python -m notifier.worker`` (one process; scale by running more)."""
from __future__ import annotations

import logging
import threading

from common.bus.consumer import Worker
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory
from common.inbox import Inbox
from common.log import configure_logging
from common.runtime import run_worker

from .channels import make_channel
from .handlers import IDENTITY_EVENTS, TICKET_EVENTS, Handlers
from .mailer import Mailer
from .settings import Settings
from .spool import Sender
from .store.sent_log import SentLog
from .store.tables import inbox

CONSUMER = "notifier"
logger = logging.getLogger(__name__)


def topology(settings: Settings) -> ConsumerTopology:
    """The notifier's queue, bound to the identity and ticket events it handles, with retry and DLQ."""
    return ConsumerTopology(
        consumer=CONSUMER,
        subscriptions=(
            Subscription("identity", IDENTITY_EVENTS),
            Subscription("tickets", TICKET_EVENTS),
        ),
        prefix=settings.bus_prefix,
        retry_delays=settings.retry_delays,
    )


class NotifierWorker(Worker):
    """The consumer (events -> spool rows) with the spool's sender in a thread beside it."""

    def __init__(self, *args, sender: Sender, **kwargs):
        super().__init__(*args, **kwargs)
        self.sender = sender

    def handle(self, event, handler) -> bool:
        processed = super().handle(event, handler)
        self.sender.wake()
        return processed

    def run(self, *args, **kwargs):
        stop = threading.Event()
        thread = threading.Thread(target=self.sender.run_forever, args=(stop,), name="mail-sender", daemon=True)
        thread.start()
        try:
            return super().run(*args, **kwargs)
        finally:
            # A stop lets the email in hand be sent and recorded; the rest stay queued.
            stop.set()
            self.sender.wake()
            thread.join(timeout=60)


def build_worker(settings: Settings) -> NotifierWorker:
    """A Worker wired to the notifier's database, spool sender and handlers (connects only when run)."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    channel = make_channel(settings.smtp_url, timeout=settings.smtp_timeout)
    mailer = Mailer(SentLog(), settings.sender)
    handlers = Handlers(mailer, settings.public_url, settings.replies).table()
    return NotifierWorker(
        settings.amqp_url,
        topology(settings),
        handlers,
        session_factory,
        Inbox(inbox, CONSUMER),
        prefetch=settings.prefetch,
        sender=Sender(engine, channel, settings.spool_policy),
    )


def main() -> None:
    """Entry point: read settings, log JSON lines, consume until SIGTERM."""
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level, settings.log_json)
    run_worker(build_worker(settings))


if __name__ == "__main__":
    main()
