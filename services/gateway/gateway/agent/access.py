"""Who may open the console and the admin pages, and how pages react to API refusals."""
from __future__ import annotations

import functools

from common.errors import ApiError, Forbidden

from ..i18n import _
from ..portal import session as auth


def agent_required(view):
    """View decorator: signed in, and a member of the support team."""

    @functools.wraps(view)
    @auth.login_required
    def wrapper(*args, **kwargs):
        if not auth.is_agent():
            raise Forbidden(_("The agent console is for the support team only."))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """View decorator: signed in as an admin (agents get the 403 page)."""

    @functools.wraps(view)
    @auth.login_required
    def wrapper(*args, **kwargs):
        if not auth.is_admin():
            raise Forbidden(_("Desk administration is for admins only."))
        return view(*args, **kwargs)

    return wrapper


def form_error(exc: ApiError) -> bool:
    """Whether a refused form should be shown again with the message (not an error page)."""
    return exc.status < 500 and exc.status not in (401, 403, 404)
