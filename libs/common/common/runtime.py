"""Process entry helpers for relays and workers: logging, signals, graceful stop."""
from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from .outbox import Relay

logger = logging.getLogger(__name__)


def beat() -> None:
    """Touch HEARTBEAT_FILE, when set, so an exec liveness probe sees the loop making progress."""
    path = os.environ.get("HEARTBEAT_FILE")
    if path:
        Path(path).touch()


def stop_on_signals(on_stop) -> None:
    """Call ``on_stop`` on SIGTERM/SIGINT (Kubernetes and compose stop containers with SIGTERM).

    Every long-running process without an HTTP app calls this as it starts, so this is also where
    it starts serving ``/metrics`` on ``METRICS_PORT`` (when set).
    """
    from . import metrics

    metrics.serve_from_env()

    def handler(signum, _frame):
        logger.info("received signal %s, stopping", signum)
        on_stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_relay(relay: Relay, idle: float = 0.2) -> None:
    """Run an outbox relay in the foreground until SIGTERM/SIGINT."""
    stop = threading.Event()
    stop_on_signals(stop.set)
    logger.info("outbox relay started")
    relay.run_forever(stop, idle=idle)
    logger.info("outbox relay stopped")


def run_worker(worker) -> None:
    """Run a consumer worker in the foreground until SIGTERM/SIGINT."""

    def stop():
        worker.should_stop = True

    stop_on_signals(stop)
    logger.info("worker consuming from %s", worker.topology.queue_name)
    worker.run()
    logger.info("worker stopped")
