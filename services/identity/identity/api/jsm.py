"""JSM-compatible endpoints owned by identity: ``/rest/servicedeskapi/organization`` and ``/customer``."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from common.auth import STAFF_ROLES, require_auth
from common.jsm import base_url, date_dto, json_body, paged, paging, parse_bool, user_dto

from ..services import accounts, organisations
from . import deps, requested_language

bp = Blueprint("identity_jsm", __name__, url_prefix="/rest/servicedeskapi")
AGENTS = STAFF_ROLES


def organization_dto(org) -> dict:
    dto = {"id": str(org.id), "name": org.name,
           "_links": {"self": f"{base_url()}/rest/servicedeskapi/organization/{org.id}"}}
    if org.created_at is not None:
        dto["created"] = date_dto(org.created_at)
    return dto


def account_dto(account) -> dict:
    return user_dto(account.id, account.email, account.display_name, account.active, account.time_zone)


@bp.get("/organization")
@require_auth()
def list_organizations():
    start, limit = paging()
    rows, is_last = organisations.list_organisations(deps(), actor=g.principal, start=start, limit=limit,
                                                     account_id=request.args.get("accountId") or None)
    return jsonify(paged([organization_dto(o) for o in rows], start, limit, is_last))


@bp.post("/organization")
@require_auth(*AGENTS)
def create_organization():
    org = organisations.create(deps(), actor=g.principal, name=json_body().get("name"))
    return jsonify(organization_dto(org)), 201


@bp.get("/organization/<org_id>")
@require_auth()
def get_organization(org_id: str):
    return jsonify(organization_dto(organisations.get(deps(), actor=g.principal,
                                                      org_id=organisations.parse_id(org_id))))


@bp.delete("/organization/<org_id>")
@require_auth(*AGENTS)
def delete_organization(org_id: str):
    organisations.delete(deps(), actor=g.principal, org_id=organisations.parse_id(org_id))
    return "", 204


@bp.get("/organization/<org_id>/user")
@require_auth(*AGENTS)
def list_users(org_id: str):
    start, limit = paging()
    rows, is_last = organisations.members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                                          start=start, limit=limit)
    return jsonify(paged([account_dto(a) for a in rows], start, limit, is_last))


@bp.post("/organization/<org_id>/user")
@require_auth(*AGENTS)
def add_users(org_id: str):
    body = json_body()
    organisations.add_members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                              account_ids=body.get("accountIds"), emails=body.get("usernames"))
    return "", 204


@bp.delete("/organization/<org_id>/user")
@require_auth(*AGENTS)
def remove_users(org_id: str):
    body = json_body()
    organisations.remove_members(deps(), actor=g.principal, org_id=organisations.parse_id(org_id),
                                 account_ids=body.get("accountIds"), emails=body.get("usernames"))
    return "", 204


@bp.post("/customer")
@require_auth(*AGENTS)
def create_customer():
    body = json_body()
    strict = parse_bool(request.args.get("strictConflictStatusCode"), False, "strictConflictStatusCode")
    account = accounts.create_customer(deps(), actor=g.principal, email=body.get("email"),
                                       display_name=body.get("displayName") or body.get("fullName"),
                                       strict_conflict=strict, language=requested_language(body))
    return jsonify(account_dto(account)), 201
