"""Synchronizer-token CSRF protection for every form the gateway serves (not the API)."""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from common.errors import BadRequest

from .i18n import _

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FIELD = "csrf_token"


class CsrfRefused(BadRequest):
    code = "csrf_refused"


def token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check() -> None:
    """Refuse a form POST whose token does not match the session's."""
    expected = session.get("csrf")
    sent = request.form.get(FIELD, "")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused(_("This form has expired or did not come from this site. Reload the page and try again."))


def init_app(app: Flask, is_api_path) -> None:
    """Check the token on every unsafe request outside the API; expose ``csrf_token()`` to templates."""
    app.jinja_env.globals["csrf_token"] = token

    @app.before_request
    def _csrf():
        if request.method not in SAFE_METHODS and not is_api_path(request.path):
            check()
