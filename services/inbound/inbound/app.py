"""HTTP surface of the inbound service: only the probes (``/healthz``, ``/readyz``)."""
from __future__ import annotations

from flask import Flask

from common.db import make_engine, ping
from common.web import init_service_app

from .settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The probes app; readiness checks the database the intake writes to."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    init_service_app(app, readiness={"database": lambda: ping(engine)})
    return app
