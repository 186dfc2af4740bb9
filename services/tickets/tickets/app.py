"""``create_app(settings=None)``: the tickets API (gunicorn runs ``'tickets.app:create_app()'``)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request

from common.auth import TokenVerifier
from common.db import make_connection_session_factory, make_engine, ping
from common.outbox import Outbox
from common.web import init_service_app

from . import api
from .attachments.runtime import build_files
from .api.caller import check_caller, check_unchecked_caller, defer_deactivation_check
from .api.encoding import AnswerJSONProvider
from .readthrough import IdentityLookup, read_through
from .services.lag import UnknownReference
from .settings import Settings
from .store.tables import outbox
from .store.uow import UnitOfWork


# Requests whose use cases change nothing: their unit of work reads outside a transaction block.
READS = frozenset({"GET", "HEAD"})


class TicketsApp(Flask):
    """Re-runs, once, a request that failed only on references identity has just filled in (readthrough)."""

    json_provider_class = AnswerJSONProvider

    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except UnknownReference as error:
            if not read_through(self, error):
                raise
        return super().dispatch_request()


def token_verifier(settings: Settings) -> TokenVerifier:
    """Verifies access tokens with identity's public key file or JWKS URL."""
    pems = [Path(settings.jwt_public_key_file).read_bytes()] if settings.jwt_public_key_file else []
    return TokenVerifier(pems, jwks_url=settings.jwt_jwks_url)


def create_app(settings: Settings | None = None, identity_transport=None) -> Flask:
    """Build the Flask app; the engine is created here, connections only on first use.

    ``identity_transport``: how identity is reached when it runs in the same process (``make run``).
    """
    settings = settings or Settings.from_env()
    app = TicketsApp("tickets")
    pool = {"pool_size": settings.db_pool_size} if not settings.database_url.startswith("sqlite") else {}
    engine = make_engine(settings.database_url, **pool)
    # Every statement of the API is Core: a session on a plain connection, without the ORM's state machinery.
    session_factory = make_connection_session_factory(engine)
    box = Outbox(outbox, settings.exchange)
    app.extensions["tickets.settings"] = settings
    app.extensions["tickets.engine"] = engine
    app.extensions["tickets.session_factory"] = session_factory
    app.extensions["tickets.uow_factory"] = lambda: UnitOfWork(
        session_factory, box, on_begin=check_caller, read_only=has_request_context() and request.method in READS)
    app.extensions["tickets.files"] = files = build_files(settings.attachments, engine)
    app.extensions["token_verifier"] = token_verifier(settings)
    if settings.identity_url:
        app.extensions["tickets.identity_lookup"] = IdentityLookup(settings.identity_url, transport=identity_transport)
    app.extensions["principal_check"] = defer_deactivation_check
    app.after_request(check_unchecked_caller)
    readiness = {"database": lambda: ping(engine), "attachments": files.storage.check}
    if files.scanner is not None:
        readiness["virus scanner"] = files.scanner.ping
    init_service_app(app, readiness=readiness)
    api.register(app)
    return app
