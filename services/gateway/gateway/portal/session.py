"""The signed-in account of a portal session: tokens in the signed cookie, refreshed on expiry.

The access token arrives straight from identity over the back channel and is then only kept in the
server-signed session, so its claims are read without verifying the signature here: they decide what
the page shows (name, language, agent menu), never what the services allow.
"""
from __future__ import annotations

import functools
import logging
import secrets
import time

import jwt
from flask import redirect, request, session, url_for

from common.auth import CUSTOMER, is_admin as _is_admin_role, is_staff

logger = logging.getLogger(__name__)

# Refresh a little early so a token never expires between our check and the service's.
EXPIRY_MARGIN = 30


class LoginRequired(Exception):
    """The page needs a signed-in account and there is none (or it can no longer be refreshed)."""


def _claims(access_token: str) -> dict:
    try:
        return jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def sign_in(tokens: dict) -> dict:
    """Start a fresh session (no fixation) for the tokens identity returned; return the account."""
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session["csrf"] = secrets.token_urlsafe(32)
    _store(tokens)
    account = current_account()
    if account and account.get("language"):
        session["lang"] = account["language"]
    elif language:
        session["lang"] = language
    return account


def _store(tokens: dict) -> None:
    access = tokens["access_token"]
    claims = _claims(access)
    expires_in = int(tokens.get("expires_in") or 0)
    expires_at = claims.get("exp") or (int(time.time()) + expires_in if expires_in else int(time.time()) + 300)
    session["at"] = access
    if tokens.get("refresh_token"):
        session["rt"] = tokens["refresh_token"]
    session["exp"] = int(expires_at)
    session["acct"] = {
        "id": claims.get("sub"),
        "email": claims.get("email"),
        "name": claims.get("name") or claims.get("email"),
        "role": claims.get("role", CUSTOMER),
        "language": claims.get("lang"),
    }


def current_account() -> dict | None:
    """The signed-in account (id, email, name, role, language), or None."""
    return session.get("acct") if session.get("at") else None


def update_account(**changes) -> None:
    """Remember profile changes (name, language) without waiting for a new token."""
    account = dict(session.get("acct") or {})
    account.update(changes)
    session["acct"] = account
    if changes.get("language"):
        session["lang"] = changes["language"]


def is_agent() -> bool:
    """Whether the signed-in account belongs to the support team."""
    account = current_account()
    return bool(account and is_staff(account.get("role")))


def is_admin() -> bool:
    """Whether the signed-in account administers the service desks."""
    account = current_account()
    return bool(account and _is_admin_role(account.get("role")))


def sign_out() -> None:
    """Forget the tokens, keep the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def access_token() -> str:
    """A valid access token for the session, refreshed first when it has expired."""
    if not session.get("at"):
        raise LoginRequired()
    if int(session.get("exp", 0)) - EXPIRY_MARGIN <= time.time():
        refresh()
    return session["at"]


def refresh() -> None:
    """Trade the refresh token for new tokens; sign out and raise LoginRequired when that fails."""
    from .api import call_identity_refresh

    refresh_token = session.get("rt")
    tokens = call_identity_refresh(refresh_token) if refresh_token else None
    if not tokens or not tokens.get("access_token"):
        sign_out()
        raise LoginRequired()
    _store(tokens)


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    # Browsers drop tabs and line breaks inside a URL ("/\t/evil.example" becomes "//evil.example")
    # and some treat other control characters loosely: a same-site path never needs them raw.
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target


def login_required(view):
    """View decorator: send anonymous visitors to the login page, then back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_account() is None:
            return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def landing_page() -> str:
    """Where a freshly signed-in account goes: the console for agents, the portal home for customers."""
    return url_for("agent.home") if is_agent() else url_for("requests.home")
