"""Every operation of Atlassian's JSM document, so one we do not serve answers 501, not a bare 404.

A client must tell "not implemented here" from "no such request": an operation of the document
(``tests/fixtures/jsm-openapi.json``, whose paths are copied below) that no view of the service
serves answers 501 with JSM's error body; a method the document does not give a path 405; a path
it does not have 404. Each service whose prefix the gateway routes to it registers ``blueprint()``
after its own views: Flask prefers any specific rule to its catch-all.
"""
from __future__ import annotations

import re

from flask import Blueprint, request

from .errors import MethodNotAllowed, NotFound, NotImplementedHere

PREFIX = "/rest/servicedeskapi"
# (methods, path below PREFIX) as in the document's ``paths``.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/assets/workspace"),
    ("POST", "/customer"),
    ("GET", "/info"),
    ("GET", "/insight/workspace"),
    ("GET", "/knowledgebase/article"),
    ("GET POST", "/organization"),
    ("GET DELETE", "/organization/{organizationId}"),
    ("GET", "/organization/{organizationId}/property"),
    ("GET PUT DELETE", "/organization/{organizationId}/property/{propertyKey}"),
    ("GET POST DELETE", "/organization/{organizationId}/user"),
    ("GET POST", "/request"),
    ("GET", "/request/{issueIdOrKey}"),
    ("GET", "/request/{issueIdOrKey}/approval"),
    ("GET POST", "/request/{issueIdOrKey}/approval/{approvalId}"),
    ("GET POST", "/request/{issueIdOrKey}/attachment"),
    ("GET", "/request/{issueIdOrKey}/attachment/{attachmentId}"),
    ("GET", "/request/{issueIdOrKey}/attachment/{attachmentId}/thumbnail"),
    ("GET POST", "/request/{issueIdOrKey}/comment"),
    ("GET", "/request/{issueIdOrKey}/comment/{commentId}"),
    ("GET", "/request/{issueIdOrKey}/comment/{commentId}/attachment"),
    ("GET PUT DELETE", "/request/{issueIdOrKey}/notification"),
    ("GET POST DELETE", "/request/{issueIdOrKey}/participant"),
    ("GET", "/request/{issueIdOrKey}/sla"),
    ("GET", "/request/{issueIdOrKey}/sla/{slaMetricId}"),
    ("GET", "/request/{issueIdOrKey}/status"),
    ("GET POST", "/request/{issueIdOrKey}/transition"),
    ("GET POST DELETE", "/request/{requestIdOrKey}/feedback"),
    ("GET", "/requesttype"),
    ("GET", "/servicedesk"),
    ("GET", "/servicedesk/{serviceDeskId}"),
    ("POST", "/servicedesk/{serviceDeskId}/attachTemporaryFile"),
    ("GET POST DELETE", "/servicedesk/{serviceDeskId}/customer"),
    ("GET", "/servicedesk/{serviceDeskId}/knowledgebase/article"),
    ("GET POST DELETE", "/servicedesk/{serviceDeskId}/organization"),
    ("GET", "/servicedesk/{serviceDeskId}/queue"),
    ("GET", "/servicedesk/{serviceDeskId}/queue/{queueId}"),
    ("GET", "/servicedesk/{serviceDeskId}/queue/{queueId}/issue"),
    ("GET POST", "/servicedesk/{serviceDeskId}/requesttype"),
    ("GET DELETE", "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}"),
    ("GET", "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/field"),
    ("GET", "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/property"),
    ("GET PUT DELETE", "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/property/{propertyKey}"),
    ("GET", "/servicedesk/{serviceDeskId}/requesttypegroup"),
)
_TEMPLATES = [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"), frozenset(methods.split()))
              for methods, path in OPERATIONS]


def documented_methods(path: str) -> frozenset[str] | None:
    """The methods Atlassian's document gives ``path`` (below PREFIX), or None when it has no such path."""
    found = [methods for pattern, methods in _TEMPLATES if pattern.match(path)]
    return frozenset().union(*found) if found else None


def blueprint() -> Blueprint:
    bp = Blueprint("jsm_unimplemented", __name__, url_prefix=PREFIX)

    @bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def unimplemented(rest):
        path = "/" + rest.rstrip("/")
        methods = documented_methods(path)
        if methods is None:
            raise NotFound(f"There is no JSM endpoint at {PREFIX}{path}.")
        if request.method not in methods:
            raise MethodNotAllowed(f"{PREFIX}{path} does not take {request.method}; it takes "
                                   f"{', '.join(sorted(methods))}.", headers={"Allow": ", ".join(sorted(methods))})
        raise NotImplementedHere(f"{request.method} {PREFIX}{path} is part of the JSM REST API but this "
                                 "service desk does not implement it (docs/jsm-compatibility.md lists what it serves).")

    return bp
