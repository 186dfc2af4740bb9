"""Identity's Flask app factory; gunicorn runs ``identity.app:create_app()``."""
from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from common import jsm_operations
from common.auth import Principal, TokenIssuer, TokenVerifier
from common.bus.topology import events_exchange
from common.db import make_engine, make_session_factory, ping
from common.errors import Unauthorized
from common.outbox import Outbox
from common.web import init_service_app

from .api import agents, auth, jsm, me
from .hashing import Passwords
from .ratelimit import MemoryCounters, RateLimiter, RedisCounters
from .services.base import Deps
from .settings import Settings
from .store import tables
from .store.uow import UnitOfWork

logger = logging.getLogger(__name__)


def build_deps(settings: Settings, session_factory) -> Deps:
    """Wire the use cases' collaborators from settings (shared by the app, the CLI and demo data)."""
    tables.start_mappers()
    outbox = Outbox(tables.outbox, events_exchange("identity", settings.bus_prefix).name)
    # BUS_PREFIX namespaces one installation (or one test run) on a shared Redis, as on a shared broker.
    counters = (RedisCounters(settings.redis_url, prefix=f"{settings.bus_prefix}identity:rl:")
                if settings.redis_url else MemoryCounters())
    return Deps(
        settings=settings,
        uow=lambda: UnitOfWork(session_factory, outbox),
        passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism),
        issuer=(TokenIssuer(settings.private_key_pem, ttl_seconds=settings.access_token_ttl)
                if settings.private_key_pem else None),
        limiter=RateLimiter(counters, settings.limit_window, settings.address_limit),
        outbox=outbox,
    )


def create_app(settings: Settings | None = None) -> Flask:
    """Build the identity app; connections open lazily, after gunicorn forks."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    deps = build_deps(settings, make_session_factory(engine))

    app = Flask(__name__)
    if settings.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
                                x_host=settings.trusted_proxies)
    app.extensions["identity"] = deps
    app.extensions["db_engine"] = engine
    app.extensions["token_verifier"] = TokenVerifier([deps.issuer.public_pem])
    app.extensions["principal_check"] = _active_check(deps)

    if not settings.redis_url and os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        logger.warning("REDIS_URL is not set: rate limits are counted in this process only; every replica "
                       "of identity beyond the first multiplies them. Set REDIS_URL in production.")
    readiness = {"database": lambda: ping(engine)}
    if isinstance(deps.limiter.counters, RedisCounters):
        readiness["redis"] = deps.limiter.counters.ping
    init_service_app(app, readiness)
    for blueprint in (auth.bp, me.bp, agents.bp, jsm.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(jsm_operations.blueprint())  # JSM operations we do not serve: 501
    return app


def _active_check(deps: Deps):
    """Refuse tokens of accounts deactivated since the token was issued (identity can afford the lookup)."""

    def check(principal: Principal) -> None:
        with deps.uow() as uow:
            account = uow.repo.account(principal.id)
            if account is None or not account.active:
                raise Unauthorized("This account no longer exists or has been deactivated.")

    return check
