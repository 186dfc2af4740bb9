"""Gateway application factory: API proxy, customer portal, agent console, developer mailbox."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Mapping

import httpx
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from common.web import init_service_app

from . import csrf, i18n, web
from .basic_auth import BasicExchange
from .clients import Upstreams
from .fastpath import ApiFastPath
from .settings import Settings

logger = logging.getLogger(__name__)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set.

    Flask builds it for every request; it holds no per-request state, so one per (key, fallbacks)
    serves every thread. API paths get Flask's null session.
    """

    def __init__(self):
        self._serializers: dict = {}

    def open_session(self, app, request):
        # The API authenticates by token only (the proxy never forwards the cookie): no session to
        # read there, nor one to save after each call.
        if web.is_api_path(request.path):
            return None
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def _readiness(upstreams: Upstreams) -> dict:
    def check(name):
        def probe():
            # Ready only when the services behind it are (each checks its database): a probe that
            # passes while every API call would answer 503 would keep sending traffic here.
            upstreams.client(name).get("/readyz", timeout=2.0).raise_for_status()
        return probe

    return {"identity": check("identity"), "tickets": check("tickets")}


def create_app(settings: Settings | None = None,
               transports: Mapping[str, httpx.BaseTransport] | None = None) -> Flask:
    """Build the gateway; ``transports`` replaces the network for upstream calls (one-process mode)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-sd_session" if settings.session_cookie_secure else "sd_session",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        # Werkzeug stops reading a body past this; files of a form are spooled to disk, not memory.
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    app.session_interface = SessionInterface()

    upstreams = Upstreams(settings, transports)
    app.extensions["gateway.settings"] = settings
    app.extensions["gateway.upstreams"] = upstreams
    app.extensions["gateway.basic_exchange"] = BasicExchange(upstreams.client("identity"),
                                                             ttl=settings.exchange_cache_seconds)

    init_service_app(app, readiness=_readiness(upstreams), bodies=False)
    web.register(app)  # replaces the JSON-only handler: pages get HTML errors
    app.before_request(web.refuse_oversized_bodies)
    i18n.init_app(app)
    csrf.init_app(app, web.is_api_path)

    from .admin.views import bp as admin_bp
    from .agent.customers import bp as customers_bp
    from .agent.organisations import bp as organisations_bp
    from .agent.views import bp as agent_bp
    from .devmail import devmail_blueprint
    from .portal.attachments import bp as attachments_bp
    from .portal.views_account import bp as account_bp
    from .portal.views_profile import bp as profile_bp
    from .portal.views_request import bp as request_bp
    from .portal.views_requests import bp as requests_bp
    from .proxy import api_blueprint

    app.register_blueprint(api_blueprint())
    for blueprint in (account_bp, requests_bp, request_bp, attachments_bp, profile_bp, agent_bp,
                      organisations_bp, customers_bp, admin_bp):
        app.register_blueprint(blueprint)
    _register_fixed_addresses(app)
    if settings.dev_mailbox:
        app.register_blueprint(devmail_blueprint(settings.dev_mailbox, settings.dev_mail_in))
    _register_template_helpers(app)
    app.extensions["gateway.fastpath"] = app.wsgi_app = ApiFastPath(app, app.wsgi_app)
    if settings.trusted_proxies:
        # Outermost, so the fast path and Flask both see the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies, x_host=settings.trusted_proxies)
    return app


def _register_fixed_addresses(app: Flask) -> None:
    """Addresses browsers and people type: the icon every page asks for, ``/admin`` itself."""
    from flask import redirect, send_from_directory, url_for

    @app.get("/favicon.ico")
    def favicon():
        response = send_from_directory(app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
        return response

    @app.get("/admin")
    @app.get("/admin/")
    def admin_root():
        return redirect(url_for("admin.desks"))


def _register_template_helpers(app: Flask) -> None:
    from . import markdown, names
    from .portal import presenters
    from .portal.attachments import size_label
    from .portal.session import current_account, is_admin, is_agent

    app.jinja_env.globals.update(current_account=current_account, is_agent=is_agent, is_admin=is_admin,
                                 display=presenters.display, other_fields_of=presenters.other_fields)
    app.jinja_env.filters.update(
        summary=presenters.summary_of,
        field_value=presenters.field_value,
        date=presenters.friendly_date,
        status_class=presenters.status_class,
        markdown=markdown.to_html,
        status_label=names.status_label,
        transition_label=names.transition_label,
        type_label=names.request_type_label,
        filesize=size_label,
    )
