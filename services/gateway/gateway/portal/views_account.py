"""Account pages: log in and out, invitation, sign-up, forgotten password, language switch."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from common.errors import ApiError, NotFound, TooManyRequests, Unauthorized

from ..i18n import LANGUAGES, _
from . import api
from . import session as auth
from .forms import GENERAL, errors_from, link_expired_message, new_password, require

logger = logging.getLogger(__name__)

bp = Blueprint("account", __name__, url_prefix="/portal")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Email + password login for customers and agents alike."""
    next_url = request.values.get("next")
    if request.method == "GET":
        if auth.current_account():
            return redirect(auth.safe_next(next_url, auth.landing_page()))
        return render_template("portal/login.html", errors={}, email="", next=next_url)
    errors: dict[str, str] = {}
    email = require(request.form, errors, "email", _("Enter your email address."))
    password = request.form.get("password") or ""
    if not password:
        errors["password"] = _("Enter your password.")
    if not errors:
        try:
            tokens = api.post("/api/identity/login", {"email": email, "password": password}, anonymous=True)
            auth.sign_in(tokens)
            return redirect(auth.safe_next(next_url, auth.landing_page()))
        except (Unauthorized, NotFound):
            errors[GENERAL] = _("The email address or password is incorrect.")
        except TooManyRequests:
            errors[GENERAL] = _("Too many attempts. Wait a few minutes, then try again.")
        except ApiError as exc:
            if exc.status >= 500:
                raise
            errors = errors_from(exc, {"email": "email", "password": "password"})
    return render_template("portal/login.html", errors=errors, email=email, next=next_url), 400


@bp.post("/logout")
def logout():
    """End the session here and at identity."""
    refresh_token = session.get("rt")
    if auth.current_account():
        try:
            api.call("POST", "/api/identity/logout", json={"refresh_token": refresh_token})
        except (ApiError, auth.LoginRequired) as exc:
            logger.info("logout at identity failed: %s", exc)
    auth.sign_out()
    flash(_("You are logged out."), "success")
    return redirect(url_for("account.login"))


@bp.post("/language")
def language():
    """Switch the interface language before logging in (or for this session)."""
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        if auth.current_account():
            auth.update_account(language=chosen)
    return redirect(auth.safe_next(request.form.get("next"), url_for("account.login")))


def link_is_dead(token: str, purpose: str) -> bool:
    """Whether identity says an emailed link no longer works (an unreachable check shows the form)."""
    try:
        answer = api.post("/api/identity/links/check", {"token": token, "purpose": purpose}, anonymous=True) or {}
    except ApiError as exc:
        logger.info("link check failed: %s", exc)
        return False
    return answer.get("valid") is False


def dead_link_page(purpose: str):
    """The page a used or expired link opens: what happened and where to get a new one."""
    ask = url_for("account.forgot_password") if purpose == "reset" else url_for("account.login")
    return render_template("portal/message.html", title=_("This link no longer works"),
                           message=link_expired_message(), link=ask,
                           link_label=_("Ask for a new link") if purpose == "reset" else _("Go to the login page")), 410


def _password_link_page(path: str, template: str, incomplete_title: str, incomplete_message: str, purpose: str):
    """Invitation accept and sign-up confirm: the emailed link's form, then set a password and log in."""
    token = request.values.get("token", "")
    if not token:
        return render_template("portal/message.html", title=incomplete_title, message=incomplete_message), 400
    if request.method == "GET":
        if link_is_dead(token, purpose):
            return dead_link_page(purpose)
        return render_template(template, errors={}, token=token, display_name="")
    errors: dict[str, str] = {}
    display_name = require(request.form, errors, "display_name", _("Enter your name."))
    password = new_password(request.form, errors)
    if not errors:
        try:
            answer = api.post(path, {"token": token, "password": password, "displayName": display_name},
                              anonymous=True) or {}
        except ApiError as exc:
            if exc.status >= 500:
                raise
            if exc.status in (404, 410):
                errors[GENERAL] = link_expired_message()
            else:
                errors = errors_from(exc, {"password": "password", "displayName": "display_name"})
        else:
            return _sign_in_after_password(answer, password)
    return render_template(template, errors=errors, token=token, display_name=display_name), 400


def _sign_in_after_password(answer: dict, password: str):
    # Identity may answer with tokens, or only the account's email: then log in with the new password.
    tokens = answer if answer.get("access_token") else None
    if tokens is None and answer.get("email"):
        try:
            tokens = api.post("/api/identity/login", {"email": answer["email"], "password": password},
                              anonymous=True)
        except ApiError:
            tokens = None
    if not tokens:
        flash(_("Your password is set. Log in to continue."), "success")
        return redirect(url_for("account.login"))
    auth.sign_in(tokens)
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(auth.landing_page())


@bp.route("/invitation", methods=["GET", "POST"])
def invitation():
    """An invited customer chooses a name and password, then is logged in."""
    return _password_link_page(
        "/api/identity/invitations/accept", "portal/invitation.html", _("Invitation link incomplete"),
        _("This link has no invitation code. Open the link from your invitation email again."), "invite")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """An external customer asks for an account with their email address."""
    if request.method == "GET":
        return render_template("portal/signup.html", errors={}, email="")
    errors: dict[str, str] = {}
    email = require(request.form, errors, "email", _("Enter your email address."))
    if email and "@" not in email:
        errors["email"] = _("Enter an email address like name@example.com.")
    if not errors:
        try:
            api.post("/api/identity/signup", {"email": email}, anonymous=True)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            errors = errors_from(exc, {"email": "email"})
        else:
            return render_template("portal/message.html", title=_("Check your email"),
                                   message=_("We have sent a link to %(email)s. Open it to choose your "
                                             "password and finish signing up.", email=email))
    return render_template("portal/signup.html", errors=errors, email=email), 400


@bp.route("/signup/confirm", methods=["GET", "POST"])
def signup_confirm():
    """The sign-up link: choose a name and password, then log in."""
    return _password_link_page(
        "/api/identity/signup/confirm", "portal/signup_confirm.html", _("Sign-up link incomplete"),
        _("This link has no sign-up code. Open the link from your email again."), "signup")


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password-reset link (same answer whether the account exists or not)."""
    if request.method == "GET":
        return render_template("portal/forgot.html", errors={}, email="")
    errors: dict[str, str] = {}
    email = require(request.form, errors, "email", _("Enter your email address."))
    if not errors:
        try:
            api.post("/api/identity/password/forgot", {"email": email}, anonymous=True)
        except TooManyRequests:
            errors[GENERAL] = _("Too many attempts. Wait a few minutes, then try again.")
        except ApiError as exc:
            if exc.status >= 500:
                raise
            errors = errors_from(exc, {"email": "email"})
        else:
            return render_template("portal/message.html", title=_("Check your email"),
                                   message=_("If an account exists for %(email)s, we have sent it a link to "
                                             "reset the password. The link works once, for one hour.",
                                             email=email))
    return render_template("portal/forgot.html", errors=errors, email=email), 400


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    """Choose a new password from an emailed link; then log in again."""
    token = request.values.get("token", "")
    if not token:
        return render_template("portal/message.html", title=_("Reset link incomplete"),
                               message=_("This link has no reset code. Ask for a new link.")), 400
    if request.method == "GET":
        if link_is_dead(token, "reset"):
            return dead_link_page("reset")
        return render_template("portal/reset.html", errors={}, token=token)
    errors: dict[str, str] = {}
    password = new_password(request.form, errors)
    if not errors:
        try:
            api.post("/api/identity/password/reset", {"token": token, "password": password}, anonymous=True)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            if exc.status in (404, 410):
                errors[GENERAL] = link_expired_message()
            else:
                errors = errors_from(exc, {"password": "password"})
        else:
            auth.sign_out()
            flash(_("Your password has been changed. Log in with your new password."), "success")
            return redirect(url_for("account.login"))
    return render_template("portal/reset.html", errors=errors, token=token), 400
