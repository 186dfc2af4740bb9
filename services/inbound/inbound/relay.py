"""Outbox relay: ``python -m inbound.relay`` publishes committed mail events with confirms."""
from __future__ import annotations

from common.bus.publisher import Publisher
from common.db import make_engine
from common.log import configure_logging
from common.outbox import Relay, relay_options
from common.runtime import run_relay

from .settings import SERVICE, Settings
from .store.tables import outbox


def build_relay(settings: Settings) -> Relay:
    """A relay from this service's outbox to ``<prefix>inbound.events``."""
    return Relay(make_engine(settings.database_url), outbox, Publisher(settings.require_amqp()).publish,
                 **relay_options("INBOUND_"))


def main() -> None:
    settings = Settings.from_env()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    run_relay(build_relay(settings))


if __name__ == "__main__":
    main()
