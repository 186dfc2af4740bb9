"""Consumer of tickets' participant invitations: ``python -m identity.worker`` (queue ``<BUS_PREFIX>identity``)."""
from __future__ import annotations

import os

from common.bus.batch import BatchWorker
from common.bus.topology import ConsumerTopology, Subscription
from common.db import make_engine, make_session_factory
from common.inbox import Inbox
from common.log import configure_logging
from common.runtime import run_worker

from .app import build_deps
from .consumers import handlers
from .settings import Settings
from .store import tables

CONSUMER = "identity"


def topology(settings: Settings, routing_keys: tuple[str, ...]) -> ConsumerTopology:
    """The ``identity`` queue, bound to the tickets events identity acts on."""
    return ConsumerTopology(consumer=CONSUMER, prefix=settings.bus_prefix,
                            subscriptions=(Subscription("tickets", routing_keys),))


def build_worker(settings: Settings) -> BatchWorker:
    """A worker that runs identity's handlers, the events waiting together in one transaction (state,
    outbox and inbox rows): every handler's effects are in the database, so a batch can be replayed."""
    session_factory = make_session_factory(make_engine(settings.database_url))
    table = handlers(build_deps(settings, session_factory))
    return BatchWorker(settings.amqp_url, topology(settings, tuple(table)), table, session_factory,
                  Inbox(tables.inbox, CONSUMER))


def main() -> None:
    configure_logging("identity-worker", os.environ.get("LOG_LEVEL", "INFO"))
    run_worker(build_worker(Settings.from_env(require_key=False)))


if __name__ == "__main__":
    main()
