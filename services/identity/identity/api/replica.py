"""``POST /api/identity/replica/lookup``: the read-through of other services' replicas (services.replica).

Services call it with their caller's own token; the gateway does not route it (it is no public API).
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from common.auth import require_auth
from common.jsm import json_body

from ..services import replica
from . import deps

bp = Blueprint("identity_replica", __name__, url_prefix="/api/identity/replica")


@bp.post("/lookup")
@require_auth()
def lookup():
    body = json_body()
    return jsonify(replica.lookup(deps(), accounts=body.get("accounts", []),
                                  organisations=body.get("organisations", [])))
