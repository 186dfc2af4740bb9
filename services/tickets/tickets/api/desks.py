"""JSM endpoints for /info, service desks, request types and fields, and desk organisations."""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from importlib import resources

from flask import Blueprint, jsonify, request

from common.jsm import base_url, date_dto, json_body, paged, paging

from ..services import desks as svc
from . import dto
from .caller import caller, uow
from .schemas import OrganizationLinkIn

bp = Blueprint("jsm_desks", __name__, url_prefix="/rest/servicedeskapi")
VERSION = "0.1.0"
BUILD_DATE = datetime(2026, 11, 1, tzinfo=timezone.utc)


@functools.cache
def openapi_document() -> dict:
    """The OpenAPI document shipped in the package, parsed once."""
    import yaml

    return yaml.safe_load(resources.files("tickets").joinpath("openapi.yaml").read_text(encoding="utf-8"))


@bp.get("/info")
def info():
    return jsonify({"version": VERSION, "platformVersion": VERSION, "buildDate": date_dto(BUILD_DATE),
                    "buildChangeSet": "servicedesk", "isLicensedForUse": True,
                    "_links": {"self": f"{base_url()}/rest/servicedeskapi/info"}})


@bp.get("/openapi.json")
def openapi():
    """This service's OpenAPI document (hand-kept in ``tickets/openapi.yaml``)."""
    return jsonify(openapi_document())


@bp.get("/servicedesk")
def service_desks():
    start, limit = paging()
    found, last = svc.list_desks(uow(), caller(), start, limit)
    return jsonify(paged([dto.service_desk(d) for d in found], start, limit, last))


@bp.get("/servicedesk/<desk_id>")
def service_desk(desk_id):
    return jsonify(dto.service_desk(svc.get_desk(uow(), caller(), desk_id)))


def _with_fields() -> bool:
    """``expand=field``: each request type carries its create metadata, as ``/field`` answers it."""
    return "field" in {v.strip() for raw in request.args.getlist("expand") for v in raw.split(",")}


@bp.get("/servicedesk/<desk_id>/requesttype")
def request_types(desk_id):
    start, limit = paging()
    _, found, orgs, is_agent = svc.request_types(uow(), caller(), desk_id, request.args.get("searchQuery"))
    page = found[start:start + limit]
    fields = _with_fields()
    return jsonify(paged([dto.request_type(rt, orgs if fields else None, is_agent) for rt in page],
                         start, limit, start + limit >= len(found)))


@bp.get("/servicedesk/<desk_id>/requesttype/<rt_id>")
def request_type(desk_id, rt_id):
    _, rt, orgs, is_agent = svc.request_type(uow(), caller(), desk_id, rt_id)
    return jsonify(dto.request_type(rt, orgs if _with_fields() else None, is_agent))


@bp.get("/servicedesk/<desk_id>/requesttype/<rt_id>/field")
def request_type_fields(desk_id, rt_id):
    _, rt, orgs, is_agent = svc.request_type(uow(), caller(), desk_id, rt_id)
    return jsonify(dto.request_type_fields(rt, orgs, is_agent))


@bp.get("/servicedesk/<desk_id>/organization")
def desk_organizations(desk_id):
    start, limit = paging()
    orgs = sorted(svc.desk_organizations(uow(), caller(), desk_id).items())
    page = orgs[start:start + limit]
    return jsonify(paged([dto.organization(i, n) for i, n in page], start, limit, start + limit >= len(orgs)))


@bp.post("/servicedesk/<desk_id>/organization")
def link_organization(desk_id):
    data = OrganizationLinkIn().load(json_body())
    svc.link_organization(uow(), caller(), desk_id, data["organizationId"], link=True)
    return "", 204


@bp.delete("/servicedesk/<desk_id>/organization")
def unlink_organization(desk_id):
    data = OrganizationLinkIn().load(json_body())
    svc.link_organization(uow(), caller(), desk_id, data["organizationId"], link=False)
    return "", 204
