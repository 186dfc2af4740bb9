"""Outbox relay: ``python -m tickets.relay`` publishes committed ticket events with confirms.

The same process runs the sweeper of expired temporary attachments in a thread, so no deployment
needs another process for it.
"""
from __future__ import annotations

import threading

from common.bus.publisher import Publisher
from common.db import make_engine
from common.log import configure_logging
from common.outbox import Relay, relay_options
from common.runtime import run_relay

from .attachments.sweeper import build_sweeper
from .settings import SERVICE, Settings
from .store.tables import outbox


def build_relay(settings: Settings) -> Relay:
    """A relay from this service's outbox to ``<prefix>tickets.events``."""
    publisher = Publisher(settings.require_amqp())
    return Relay(make_engine(settings.database_url), outbox, publisher.publish, **relay_options("TICKETS_"))


def main() -> None:
    settings = Settings.from_env(require_jwt=False)
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    stop = threading.Event()
    threading.Thread(target=build_sweeper(settings).run_forever, args=(stop,), name="attachment-sweeper",
                     daemon=True).start()
    try:
        run_relay(build_relay(settings))
    finally:
        stop.set()


if __name__ == "__main__":
    main()
