"""Errors and security headers: JSON for the API paths, HTML pages for everything else."""
from __future__ import annotations

import logging

from flask import Flask, redirect, render_template, request, url_for

from common.config import human_size
from common.errors import ApiError, PayloadTooLarge, register_error_handlers

from .i18n import _
from .portal.session import LoginRequired

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/rest/", "/healthz", "/readyz")

CSP = "; ".join([
    "default-src 'self'",
    # The one script is our own file (paste and drop of screenshots); inline script stays forbidden.
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the API (JSON errors, no CSRF, no CSP)."""
    return path.startswith(API_PREFIXES) or path in ("/api", "/rest")


def refuse_oversized_bodies() -> None:
    """A body larger than MAX_BODY_SIZE is refused before it is read, with the limit in the message."""
    limit = app_limit()
    if limit and (request.content_length or 0) > limit:
        raise PayloadTooLarge(_("The upload is larger than the %(size)s this server accepts; send fewer or "
                                "smaller files.", size=human_size(limit)))


def app_limit() -> int | None:
    from flask import current_app

    return current_app.config.get("MAX_CONTENT_LENGTH")


def _same_site_referrer() -> str | None:
    referrer = request.referrer or ""
    base = request.host_url
    return "/" + referrer[len(base):] if referrer.startswith(base) else None


def _error_title(status: int) -> str:
    titles = {
        400: _("This request could not be processed"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        409: _("This action conflicts with the current state"),
        429: _("Too many attempts"),
        503: _("Service temporarily unavailable"),
    }
    return titles.get(status, _("Something went wrong"))


def register(app: Flask) -> None:
    """Install the error handlers and the headers every answer carries."""

    def page(exc: Exception, body: dict, status: int, headers: dict):
        """The HTML branch of ``common.errors``' one mapper: API paths keep its JSON (JSM's shape under /rest/)."""
        if isinstance(exc, LoginRequired):
            # After logging in, a form's POST address cannot be opened again: come back to its page.
            back = request.full_path.rstrip("?") if request.method == "GET" else _same_site_referrer()
            return redirect(url_for("account.login", next=back))
        if is_api_path(request.path):
            return None
        message = body["errorMessage"]
        if not isinstance(exc, ApiError) and status >= 500:
            message = _("An unexpected error occurred; it has been logged.")
        elif status == 404 and not isinstance(exc, ApiError):
            message = _("There is nothing at this address.")
        response = app.make_response(render_template("error.html", status=status,
                                                     title=_error_title(status), message=message))
        response.status_code = status
        for key, value in headers.items():
            response.headers[key] = value
        return response

    register_error_handlers(app, page)

    @app.after_request
    def _security_headers(response):
        if not is_api_path(request.path):
            response.headers.setdefault("Content-Security-Policy", CSP)
            if response.mimetype == "text/html":
                response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
