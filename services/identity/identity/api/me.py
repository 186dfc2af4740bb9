"""The caller's own account: profile, password, API tokens."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from common.auth import require_auth
from common.jsm import json_body

from ..services import accounts, api_tokens, passwords
from . import account_json, deps

bp = Blueprint("identity_me", __name__, url_prefix="/api/identity/me")


def _iso(moment):
    return moment.isoformat() if moment else None


def _token_json(token) -> dict:
    return {"id": token.id, "label": token.label, "createdAt": _iso(token.created_at),
            "lastUsedAt": _iso(token.last_used_at)}


@bp.get("")
@require_auth()
def get_me():
    account, org_ids = accounts.me(deps(), actor=g.principal)
    return jsonify(account_json(account, org_ids))


@bp.patch("")
@require_auth()
def patch_me():
    account = accounts.update_me(deps(), actor=g.principal, changes=json_body())
    _same, org_ids = accounts.me(deps(), actor=g.principal)
    return jsonify(account_json(account, org_ids))


@bp.post("/password")
@require_auth()
def change_password():
    body = json_body()
    passwords.change(deps(), actor=g.principal, current=body.get("currentPassword"), new=body.get("newPassword"))
    return "", 204


@bp.get("/tokens")
@require_auth()
def list_tokens():
    return jsonify({"values": [_token_json(t) for t in api_tokens.list_tokens(deps(), actor=g.principal)]})


@bp.post("/tokens")
@require_auth()
def create_token():
    token, secret = api_tokens.create(deps(), actor=g.principal, label=json_body().get("label"))
    return jsonify({**_token_json(token), "token": secret}), 201


@bp.delete("/tokens/<token_id>")
@require_auth()
def delete_token(token_id: str):
    api_tokens.revoke(deps(), actor=g.principal, token_id=token_id)
    return "", 204


@bp.delete("/tokens")
@require_auth()
def delete_token_by_body():
    api_tokens.revoke(deps(), actor=g.principal, token_id=str(json_body().get("id") or ""))
    return "", 204
