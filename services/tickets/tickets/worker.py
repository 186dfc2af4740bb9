"""Consumer of identity events: ``python -m tickets.worker``."""
from __future__ import annotations

from common.bus.consumer import Worker
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory
from common.inbox import Inbox
from common.log import configure_logging
from common.outbox import Outbox
from common.runtime import run_worker

from .attachments.runtime import Files, build_files
from .mail.intake import MailIntake
from .replica import HANDLERS, handlers
from .settings import SERVICE, Settings
from .store.tables import inbox, outbox

CONSUMER = "tickets"
MAIL_RECEIVED = "mail.received.v1"


def topology(settings: Settings) -> ConsumerTopology:
    """The tickets queue, bound to the identity events the replica needs and to received emails."""
    return ConsumerTopology(consumer=CONSUMER, prefix=settings.bus_prefix,
                            subscriptions=(Subscription("identity", tuple(HANDLERS)),
                                           Subscription("inbound", (MAIL_RECEIVED,))))


def table(settings: Settings, files: Files | None = None) -> dict:
    """Routing key -> handler: the replica, and emails turned into comments and requests (with their files)."""
    mail = MailIntake(Outbox(outbox, settings.exchange), settings.reply_token_secret, settings.mail_answers_per_hour,
                      files)
    return {**handlers(settings.exchange, on_account=mail.resolve_pending), MAIL_RECEIVED: mail.on_mail_received}


def build_worker(settings: Settings) -> Worker:
    """A worker that applies identity events to the replica and takes in emails, one transaction each."""
    engine = make_engine(settings.database_url)
    files = build_files(settings.attachments, engine)
    return Worker(settings.require_amqp(), topology(settings), table(settings, files),
                  make_session_factory(engine), Inbox(inbox, CONSUMER))


def main() -> None:
    settings = Settings.from_env(require_jwt=False)
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    run_worker(build_worker(settings))


if __name__ == "__main__":
    main()
