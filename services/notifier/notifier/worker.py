"""The notifier's consumer: ``python -m notifier.worker`` (one process; scale by running more)."""
from __future__ import annotations

import logging

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


def build_worker(settings: Settings) -> Worker:
    """A Worker wired to the notifier's database, channel and handlers (connects only when run)."""
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    channel = make_channel(settings.smtp_url, timeout=settings.smtp_timeout)
    mailer = Mailer(channel, SentLog(session_factory), settings.sender)
    handlers = Handlers(mailer, settings.public_url, settings.replies).table()
    return Worker(
        settings.amqp_url,
        topology(settings),
        handlers,
        session_factory,
        Inbox(inbox, CONSUMER),
        prefetch=settings.prefetch,
    )


def main() -> None:
    """Entry point: read settings, log JSON lines, consume until SIGTERM."""
    settings = Settings.from_env()
    configure_logging("notifier", settings.log_level, settings.log_json)
    run_worker(build_worker(settings))


if __name__ == "__main__":
    main()
