"""Admin endpoints: desks and settings, a desk's agents and customers, request types and fields."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from common.errors import BadRequest
from common.jsm import json_body, paged, paging

from ..services import admin as svc
from . import dto
from .caller import caller, uow
from .schemas import DeskPeopleIn, UsersIn

bp = Blueprint("admin", __name__)
NATIVE = "/api/tickets"
JSM = "/rest/servicedeskapi"


@bp.post(f"{NATIVE}/desks")
def create_desk():
    principal = caller()
    return jsonify(dto.desk_settings(svc.create_desk(uow(), principal, json_body()))), 201


@bp.get(f"{NATIVE}/desks")
def list_desks():
    found = svc.list_desks(uow(), caller())
    return jsonify({"values": [dto.desk_settings(d) for d in found]})


@bp.get(f"{NATIVE}/desks/<desk_id>")
def get_desk(desk_id):
    desk, settings = svc.get_desk(uow(), caller(), desk_id)
    return jsonify(dto.desk_settings(desk) if settings else dto.desk_public(desk))


@bp.patch(f"{NATIVE}/desks/<desk_id>")
def update_desk(desk_id):
    principal = caller()
    return jsonify(dto.desk_settings(svc.update_desk(uow(), principal, desk_id, json_body())))


def _members(desk_id, kind):
    principal = caller()
    start, limit = paging()
    found, last = svc.members(uow(), principal, desk_id, kind, start, limit)
    accounts = {a.id: a for a in found}
    return jsonify(paged([dto.user(a.id, accounts) for a in found], start, limit, last))


@bp.get(f"{NATIVE}/desks/<desk_id>/agents")
def desk_agents(desk_id):
    return _members(desk_id, "agents")


@bp.post(f"{NATIVE}/desks/<desk_id>/agents")
def add_agents(desk_id):
    principal = caller()
    data = DeskPeopleIn().load(json_body())
    svc.change_members(uow(), principal, desk_id, "agents", data["accountIds"], data["emails"], add=True)
    return "", 204


@bp.delete(f"{NATIVE}/desks/<desk_id>/agents")
def remove_agents(desk_id):
    principal = caller()
    data = DeskPeopleIn().load(json_body())
    svc.change_members(uow(), principal, desk_id, "agents", data["accountIds"], data["emails"], add=False)
    return "", 204


@bp.put(f"{NATIVE}/requesttypes/<rt_id>/fields")
def set_fields(rt_id):
    principal = caller()
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("The request body must be a JSON array of fields (Content-Type: application/json).")
    rt = svc.set_fields(uow(), principal, rt_id, body)
    return jsonify([dto.field_spec(spec) for spec in rt.fields])


@bp.patch(f"{NATIVE}/requesttypes/<rt_id>")
def update_request_type(rt_id):
    principal = caller()
    return jsonify(dto.request_type(svc.update_request_type(uow(), principal, rt_id, json_body())))


@bp.delete(f"{JSM}/servicedesk/<desk_id>/requesttype/<rt_id>")
def remove_request_type(desk_id, rt_id):
    svc.remove_request_type(uow(), caller(), desk_id, rt_id)
    return "", 204


@bp.post(f"{JSM}/servicedesk/<desk_id>/requesttype")
def add_request_type(desk_id):
    principal = caller()
    # JSM answers 200 here, not 201.
    return jsonify(dto.request_type(svc.add_request_type(uow(), principal, desk_id, json_body())))


@bp.get(f"{JSM}/servicedesk/<desk_id>/customer")
def desk_customers(desk_id):
    return _members(desk_id, "customers")


def _change_customers(desk_id, add: bool):
    principal = caller()
    data = UsersIn().load(json_body())
    svc.change_members(uow(), principal, desk_id, "customers", data["accountIds"] or [], data["usernames"] or [],
                       add=add)
    return "", 204


@bp.post(f"{JSM}/servicedesk/<desk_id>/customer")
def add_customers(desk_id):
    return _change_customers(desk_id, True)


@bp.delete(f"{JSM}/servicedesk/<desk_id>/customer")
def remove_customers(desk_id):
    return _change_customers(desk_id, False)
