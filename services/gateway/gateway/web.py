"""Errors and security headers: JSON for the API paths, HTML pages for everything else."""
from __future__ import annotations

import logging

from flask import Flask, redirect, render_template, request, url_for

from common import limits
from common.config import human_size
from common.errors import ApiError, PayloadTooLarge, register_error_handlers
from common.i18n import DEFAULT

from .i18n import _, current_language
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
    size = request.content_length
    if not size:
        return
    limit = app_limit()
    if limit and size > limit:
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
        405: _("This action is not possible here"),
        409: _("This action conflicts with the current state"),
        410: _("This link is no longer valid"),
        413: _("What you sent is too large"),
        429: _("Too many attempts"),
        503: _("Service temporarily unavailable"),
    }
    return titles.get(status, _("Something went wrong"))


def _status_message(status: int) -> str:
    """What an error page says when the error's own words are not in the page's language."""
    messages = {
        400: _("The service desk could not process this request. Go back, check what you entered and try again."),
        401: _("Sign in again to continue."),
        403: _("You do not have access to this page."),
        404: _("There is nothing at this address."),
        405: _("This page cannot be used this way. Go back and use its buttons and links."),
        409: _("Someone changed this in the meantime. Reload the page and try again."),
        410: _("This link is no longer valid."),
        413: _("What you sent is larger than this server accepts; send fewer or smaller files."),
        429: _("Too many attempts. Wait a few minutes, then try again."),
        503: _("The service desk is unavailable at the moment; try again in a little while."),
    }
    return messages.get(status, _("An unexpected error occurred; it has been logged."))


def page_message(exc: Exception, body: dict, status: int) -> str:
    """The message of an error page, always in the page's language.

    Errors the gateway raises itself carry words already translated; a service behind it answers in
    English, so its words are shown only on English pages (and never those of a 500); anything else
    (Werkzeug's 404 and 405, an unexpected exception) gets the page's own message for the status.
    """
    if isinstance(exc, ApiError) and not getattr(exc, "upstream", False):
        return body["errorMessage"]
    if isinstance(exc, ApiError) and current_language() == DEFAULT and status != 500 and body.get("errorMessage"):
        return body["errorMessage"]
    return _status_message(status)


def register(app: Flask) -> None:
    """Install the error handlers and the headers every answer carries, and give pages the input limits."""
    # Forms' maxlength are the limits the services' rules enforce (macros see globals, not context).
    app.jinja_env.globals["limits"] = limits

    def page(exc: Exception, body: dict, status: int, headers: dict):
        """The HTML branch of ``common.errors``' one mapper: API paths keep its JSON (JSM's shape under /rest/)."""
        if isinstance(exc, LoginRequired):
            # After logging in, a form's POST address cannot be opened again: come back to its page.
            back = request.full_path.rstrip("?") if request.method == "GET" else _same_site_referrer()
            return redirect(url_for("account.login", next=back))
        if is_api_path(request.path):
            return None
        response = app.make_response(render_template("error.html", status=status, title=_error_title(status),
                                                     message=page_message(exc, body, status)))
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
