"""Anonymous endpoints: login, refresh, logout, token exchange, JWKS, sign-up, passwords, invitation acceptance."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from common.auth import jwks_document, optional_principal
from common.errors import ValidationFailed
from common.jsm import json_body

from ..services import invitations, passwords, sessions, signup, tokens
from . import account_json, client_address, deps, requested_language

bp = Blueprint("identity_auth", __name__, url_prefix="/api/identity")


@bp.post("/login")
def login():
    body = json_body()
    return jsonify(sessions.login(deps(), email=body.get("email"), password=body.get("password"),
                                  address=client_address()))


@bp.post("/refresh")
def refresh():
    return jsonify(sessions.refresh(deps(), refresh_token=json_body().get("refresh_token")))


@bp.post("/logout")
def logout():
    body = json_body() if request.get_data() else {}
    sessions.logout(deps(), refresh_token=body.get("refresh_token"), actor=optional_principal())
    return "", 204


@bp.post("/tokens/exchange")
def exchange():
    return jsonify(sessions.exchange(deps(), authorization=request.headers.get("Authorization"),
                                     address=client_address()))


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(jwks_document(deps().issuer.public_pem))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.post("/links/check")
def check_link():
    """Whether an invitation, sign-up or reset link still works; nothing is used up."""
    body = json_body()
    errors = {name: ["Required: a string."] for name in ("token", "purpose") if not isinstance(body.get(name), str)}
    if isinstance(body.get("purpose"), str) and body["purpose"] not in tokens.PURPOSES:
        errors["purpose"] = [f"One of: {', '.join(tokens.PURPOSES)}."]
    if errors:
        raise ValidationFailed("Give the link's token and its purpose (invite, signup or reset).", errors=errors)
    return jsonify({"valid": tokens.is_usable(deps(), body["token"], body["purpose"])})


@bp.post("/invitations/accept")
def accept_invitation():
    body = json_body()
    account = invitations.accept(deps(), token=body.get("token"), password=body.get("password"),
                                 display_name=body.get("displayName"))
    return jsonify(account_json(account))


@bp.post("/signup")
def start_signup():
    body = json_body()
    answer = signup.signup(deps(), email=body.get("email"), language=requested_language(body),
                           address=client_address())
    return jsonify(answer), 202


@bp.post("/signup/confirm")
def confirm_signup():
    body = json_body()
    account = signup.confirm(deps(), token=body.get("token"), password=body.get("password"),
                             display_name=body.get("displayName"))
    return jsonify(account_json(account))


@bp.post("/password/forgot")
def forgot_password():
    body = json_body()
    return jsonify(passwords.forgot(deps(), email=body.get("email"), address=client_address(),
                                    language=requested_language(body))), 202


@bp.post("/password/reset")
def reset_password():
    body = json_body()
    passwords.reset(deps(), token=body.get("token"), password=body.get("password"))
    return "", 204


@bp.get("/openapi.json")
def openapi():
    from ..openapi import document

    return jsonify(document())
