"""HTTP surface of the notifier: only the Kubernetes probes (``/healthz``, ``/readyz``)."""
from __future__ import annotations

from flask import Flask
from kombu import Connection

from common.db import make_engine, ping
from common.web import init_service_app

from .settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The probes app; readiness checks the database and the broker."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings

    def broker() -> None:
        if settings.amqp_url.startswith("memory://"):
            return
        with Connection(settings.amqp_url, heartbeat=0, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)

    init_service_app(app, readiness={"database": lambda: ping(engine), "broker": broker})
    return app
