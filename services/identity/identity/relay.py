"""Outbox relay process: ``python -m identity.relay`` publishes identity's events to ``identity.events``."""
from __future__ import annotations

import os

from common.bus.publisher import Publisher
from common.db import make_engine
from common.log import configure_logging
from common.outbox import Relay, relay_options
from common.runtime import run_relay

from .settings import Settings
from .store import tables


def build_relay(settings: Settings) -> Relay:
    """A relay over identity's outbox table, publishing with confirms to the configured broker."""
    publisher = Publisher(settings.amqp_url)
    return Relay(make_engine(settings.database_url), tables.outbox, publisher.publish, **relay_options("IDENTITY_"))


def main() -> None:
    configure_logging("identity-relay", os.environ.get("LOG_LEVEL", "INFO"))
    run_relay(build_relay(Settings.from_env()))


if __name__ == "__main__":
    main()
