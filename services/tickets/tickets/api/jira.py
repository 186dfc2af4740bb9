"""Minimal Jira platform issue resource, so the ``jira`` client's ``prefetch`` works."""
from __future__ import annotations

from flask import Blueprint, jsonify

from common.jsm import base_url

from ..services import requests as svc
from .caller import caller, uow

bp = Blueprint("jira", __name__, url_prefix="/rest/api/2")


@bp.get("/issue/<ref>")
def issue(ref):
    view = svc.get_request(uow(), caller(), ref)
    t = view.ticket
    return jsonify({
        "id": str(t.id), "key": t.key, "self": f"{base_url()}/rest/api/2/issue/{t.id}",
        "fields": {
            "summary": t.summary, "description": t.description or None,
            "status": {"name": t.status.value, "statusCategory": {"key": t.status.category.lower()}},
            "project": {"id": str(t.desk_id), "key": view.desk.key, "name": view.desk.name},
            "issuetype": {"id": view.request_type.issue_type, "name": view.request_type.name},
        },
    })
