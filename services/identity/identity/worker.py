"""Consumer of tickets' participant invitations: ``python -m identity.worker`` (queue ``<BUS_PREFIX>identity``)."""
from __future__ import annotations

import logging
import os

from common.bus.batch import BatchWorker
from common.bus.consumer import Handler
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory, transaction
from common.events import CloudEvent
from common.inbox import Inbox
from common.log import configure_logging, correlation_scope
from common.runtime import run_worker

from .app import build_deps
from .consumers import handlers
from .settings import Settings
from .store import tables

CONSUMER = "identity"

logger = logging.getLogger(__name__)


def topology(settings: Settings, routing_keys: tuple[str, ...]) -> ConsumerTopology:
    """The ``identity`` queue, bound to the tickets events identity acts on."""
    return ConsumerTopology(consumer=CONSUMER, prefix=settings.bus_prefix,
                            subscriptions=(Subscription("tickets", routing_keys),))


class IdentityWorker(BatchWorker):
    """``BatchWorker``, except that the events of an idempotent handler (``handler.idempotent``) skip the inbox.

    Nearly every event identity receives is a request's, one or more per ticket (``TicketTouched``).
    Their inbox lookup, insert and commit were most of the worker's CPU per ticket
    (bench/profiles/gw4.md), and guard nothing for a handler that handled twice leaves what handling it
    once leaves. So those run together in a transaction of their own, which issues nothing when every
    touch is already remembered; the other events keep the inbox. When either part fails,
    ``BatchWorker`` goes through the batch again one event at a time (with the inbox), which an
    idempotent handler allows.
    """

    def handle_batch(self, batch: list[tuple[CloudEvent, Handler]]) -> int:
        idempotent, rest = [], []
        for item in batch:
            (idempotent if getattr(item[1], "idempotent", False) else rest).append(item)
        if idempotent:
            with transaction(self.session_factory) as session:
                for event, handler in idempotent:
                    with correlation_scope(event.correlationid):
                        handler(session, event)
            logger.info("processed %d events of idempotent handlers in one transaction", len(idempotent))
        return len(idempotent) + (super().handle_batch(rest) if rest else 0)


def build_worker(settings: Settings) -> IdentityWorker:
    """A worker that runs identity's handlers, the events waiting together in one transaction (state,
    outbox and inbox rows): every handler's effects are in the database, so a batch can be replayed."""
    session_factory = make_session_factory(make_engine(settings.database_url))
    table = handlers(build_deps(settings, session_factory))
    return IdentityWorker(settings.amqp_url, topology(settings, tuple(table)), table, session_factory,
                          Inbox(tables.inbox, CONSUMER))


def main() -> None:
    configure_logging("identity-worker", os.environ.get("LOG_LEVEL", "INFO"))
    run_worker(build_worker(Settings.from_env(require_key=False)))


if __name__ == "__main__":
    main()
