"""Profile: name, language, password, API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError

from .. import confirm
from ..i18n import LANGUAGES, _, language_changed
from . import api
from . import session as auth
from .forms import errors_from, new_password, require
from .presenters import paged_values

bp = Blueprint("profile", __name__, url_prefix="/portal/profile")

ME = "/api/identity/me"


def _page(errors: dict | None = None, new_token: str | None = None, status: int = 200):
    me = api.get(ME) or {}
    tokens = paged_values(api.get(ME + "/tokens"))
    return render_template("portal/profile.html", me=me, tokens=tokens, errors=errors or {},
                           new_token=new_token), status


@bp.get("")
@auth.login_required
def show():
    """The profile page."""
    return _page()


@bp.post("/details")
@auth.login_required
def details():
    """Change display name and interface language."""
    errors: dict[str, str] = {}
    name = require(request.form, errors, "display_name", _("Enter your name."))
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        errors["language"] = _("Choose one of the languages offered.")
    if errors:
        return _page(errors, status=400)
    try:
        api.call("PATCH", ME, json={"displayName": name, "language": language})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return _page(errors_from(exc, {"displayName": "display_name", "language": "language"}), status=400)
    auth.update_account(name=name, language=language)
    language_changed()  # the confirmation speaks the language just chosen
    flash(_("Your profile has been saved."), "success")
    return redirect(url_for("profile.show"))


@bp.post("/password")
@auth.login_required
def password():
    """Change the password (the current one is required)."""
    errors: dict[str, str] = {}
    current = request.form.get("current_password") or ""
    if not current:
        errors["current_password"] = _("Enter your current password.")
    new = new_password(request.form, errors, "new_password", "new_password_confirm")
    if errors:
        return _page(errors, status=400)
    try:
        api.post(ME + "/password", {"currentPassword": current, "newPassword": new})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        if exc.status in (401, 403):
            return _page({"current_password": _("Your current password is not correct.")}, status=400)
        return _page(errors_from(exc, {"newPassword": "new_password", "currentPassword": "current_password"}),
                     status=400)
    flash(_("Your password has been changed."), "success")
    return redirect(url_for("profile.show"))


@bp.post("/tokens")
@auth.login_required
def create_token():
    """Create an API token; its value is shown once, on this answer only."""
    errors: dict[str, str] = {}
    label = require(request.form, errors, "label", _("Give the token a name, such as the script that uses it."))
    if errors:
        return _page(errors, status=400)
    try:
        created = api.post(ME + "/tokens", {"label": label}) or {}
    except ApiError as exc:
        if exc.status >= 500:
            raise
        return _page(errors_from(exc, {"name": "label", "label": "label"}), status=400)
    value = created.get("token") or created.get("value") or created.get("apiToken")
    return _page(new_token=value)


@bp.post("/tokens/<token_id>/revoke")
@auth.login_required
def revoke_token(token_id: str):
    """Revoke an API token (after confirmation: scripts using it stop working at once)."""
    if not confirm.confirmed():
        return confirm.ask(_("Revoke the API token %(name)s?", name=request.form.get("name") or token_id),
                           _("Revoke the token"), url_for("profile.show"),
                           _("Scripts and tools that use it can no longer log in."))
    api.call("DELETE", f"{ME}/tokens/{token_id}")
    flash(_("The API token has been revoked."), "success")
    return redirect(url_for("profile.show"))
