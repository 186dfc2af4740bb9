"""Agent endpoints: invitations, customers (list, search, deactivate), organisations (native)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from common.auth import STAFF_ROLES, require_auth
from common.jsm import json_body, paging, parse_bool

from ..services import accounts, invitations, organisations
from . import account_json, deps, requested_language

bp = Blueprint("identity_agents", __name__, url_prefix="/api/identity")
AGENTS = STAFF_ROLES


def _page(values: list, start: int, limit: int, is_last: bool) -> dict:
    return {"start": start, "limit": limit, "size": len(values), "isLastPage": is_last, "values": values}


def _org_json(org) -> dict:
    return {"id": str(org.id), "name": org.name, "createdAt": org.created_at.isoformat() if org.created_at else None}


@bp.post("/invitations")
@require_auth(*AGENTS)
def invite():
    body = json_body()
    results = invitations.invite(deps(), actor=g.principal, emails=body.get("emails"),
                                 language=requested_language(body))
    return jsonify({"invitations": results}), 201


@bp.get("/invitations")
@require_auth(*AGENTS)
def list_invitations():
    start, limit = paging()
    values, is_last = invitations.list_invitations(deps(), actor=g.principal, start=start, limit=limit,
                                                   state=request.args.get("state") or None)
    return jsonify(_page(values, start, limit, is_last))


@bp.post("/invitations/<account_id>/resend")
@require_auth(*AGENTS)
def resend_invitation(account_id: str):
    return jsonify(invitations.resend(deps(), actor=g.principal, account_id=account_id))


@bp.get("/accounts")
@require_auth(*AGENTS)
def search_accounts():
    start, limit = paging()
    active = request.args.get("active")
    rows, is_last = accounts.search(deps(), actor=g.principal, query=request.args.get("query"),
                                    role=request.args.get("role"), start=start, limit=limit,
                                    kind=request.args.get("kind"),
                                    active=None if active in (None, "") else parse_bool(active, True, "active"))
    return jsonify(_page([account_json(a) for a in rows], start, limit, is_last))


@bp.get("/accounts/<account_id>")
@require_auth(*AGENTS)
def get_account(account_id: str):
    return jsonify(account_json(accounts.get_account(deps(), actor=g.principal, account_id=account_id)))


@bp.post("/accounts/<account_id>/deactivate")
@require_auth(*AGENTS)
def deactivate(account_id: str):
    return jsonify(account_json(accounts.set_active(deps(), actor=g.principal, account_id=account_id,
                                                    active=False)))


@bp.post("/accounts/<account_id>/activate")
@require_auth(*AGENTS)
def activate(account_id: str):
    return jsonify(account_json(accounts.set_active(deps(), actor=g.principal, account_id=account_id,
                                                    active=True)))


@bp.get("/organisations")
@require_auth()
def list_organisations():
    start, limit = paging()
    rows, is_last = organisations.list_organisations(deps(), actor=g.principal, start=start, limit=limit,
                                                     account_id=request.args.get("accountId"))
    return jsonify(_page([_org_json(o) for o in rows], start, limit, is_last))


@bp.post("/organisations")
@require_auth(*AGENTS)
def create_organisation():
    org = organisations.create(deps(), actor=g.principal, name=json_body().get("name"))
    return jsonify(_org_json(org)), 201


@bp.patch("/organisations/<org_id>")
@require_auth(*AGENTS)
def rename_organisation(org_id: str):
    org = organisations.rename(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                               name=json_body().get("name"))
    return jsonify(_org_json(org))


@bp.delete("/organisations/<org_id>")
@require_auth(*AGENTS)
def delete_organisation(org_id: str):
    organisations.delete(deps(), actor=g.principal, org_id=organisations.parse_id(org_id))
    return "", 204


@bp.get("/organisations/<org_id>/members")
@require_auth(*AGENTS)
def list_members(org_id: str):
    start, limit = paging()
    rows, is_last = organisations.members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                                          start=start, limit=limit)
    return jsonify(_page([account_json(a) for a in rows], start, limit, is_last))


@bp.post("/organisations/<org_id>/members")
@require_auth(*AGENTS)
def add_members(org_id: str):
    body = json_body()
    organisations.add_members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                              account_ids=body.get("accountIds"), emails=body.get("emails"))
    return "", 204


@bp.delete("/organisations/<org_id>/members")
@require_auth(*AGENTS)
def remove_members(org_id: str):
    body = json_body()
    organisations.remove_members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                                 account_ids=body.get("accountIds"), emails=body.get("emails"))
    return "", 204
