"""Every response of every JSM endpoint we implement validates against Atlassian's OpenAPI document.

The repository keeps a copy of the document in ``tests/fixtures/jsm-openapi.json``;
``JSM_OPENAPI`` overrides the path.
Error bodies under /rest/ are JSM's strict ``ErrorResponse`` and are checked too.
"""
from __future__ import annotations

import pytest

from common.testing import jsm_openapi_document

API = "/rest/servicedeskapi"


@pytest.fixture(scope="module")
def document() -> dict:
    document = jsm_openapi_document()
    document["servers"] = [{"url": "http://localhost"}]
    return document


def _openapi_core_check(document):
    from openapi_core import Config, OpenAPI
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    # Atlassian's document repeats an operationId, so strict spec validation is switched off.
    openapi = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))

    def validate(response):
        sent = response.request
        # The test client's request stream is already consumed; only method, path and query matter here.
        replay = Request(EnvironBuilder(method=sent.method, path=sent.path, base_url="http://localhost",
                                        query_string=sent.query_string.decode()).get_environ())
        openapi.validate_response(WerkzeugOpenAPIRequest(replay), WerkzeugOpenAPIResponse(response))

    return validate


def _jsonschema_check(document):
    """The same check with jsonschema alone, for environments without openapi-core."""
    import re

    import jsonschema

    templates = [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$"), p)
                 for p in document["paths"]]

    def validate(response):
        path = response.request.path
        template = next(p for rx, p in templates if rx.match(path))
        operation = document["paths"][template][response.request.method.lower()]
        answer = operation["responses"][str(response.status_code)]
        schema = (answer.get("content") or {}).get("application/json", {}).get("schema")
        if schema is not None:
            jsonschema.validate(response.get_json(), {**schema, "components": document["components"]})

    return validate


def _checker(document):
    """``run(response, status)``: the status, then the response against ``document``."""
    try:
        validate = _openapi_core_check(document)
    except ImportError:
        validate = _jsonschema_check(document)

    def run(response, status):
        assert response.status_code == status, response.get_data(as_text=True)
        validate(response)
        return response

    return run


@pytest.fixture
def check(document):
    return _checker(document)


@pytest.fixture
def binary(document):
    """A file's bytes: Atlassian's document gives the 200 of the content and thumbnail endpoints an
    ``application/json`` body with an empty schema (anything), where JSM sends the file itself; so the
    status must be one the operation documents and the type the file's own."""
    import re

    templates = [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$"), p) for p in document["paths"]]

    def run(response, status, content_type):
        assert response.status_code == status, response.get_data(as_text=True)[:300]
        template = next(p for rx, p in templates if rx.match(response.request.path))
        assert str(status) in document["paths"][template]["get"]["responses"]
        assert response.headers["Content-Type"] == content_type
        return response

    return run


def test_every_implemented_endpoint_answers_in_atlassians_shapes(api, person, check, organizations):
    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(), person(role="agent")
    check(api.client.get(f"{API}/info"), 200)
    check(api.get(f"{API}/servicedesk", alice), 200)
    check(api.get(f"{API}/servicedesk/1", alice), 200)
    check(api.get(f"{API}/servicedesk/1/requesttype", alice), 200)
    check(api.get(f"{API}/servicedesk/1/requesttype/1", alice), 200)
    check(api.get(f"{API}/servicedesk/1/requesttype/1/field", alice), 200)
    check(api.create(alice, requestParticipants=[bob.email]), 201)
    check(api.get(f"{API}/request", alice), 200)
    check(api.get(f"{API}/request?requestOwnership=OWNED_REQUESTS&requestStatus=OPEN_REQUESTS", alice), 200)
    check(api.get(f"{API}/request/AM-1", alice), 200)
    check(api.post(f"{API}/request/AM-1/comment", agent, {"body": "Hello", "public": True}), 201)
    check(api.post(f"{API}/request/AM-1/comment", agent, {"body": "note", "public": False}), 201)
    check(api.get(f"{API}/request/AM-1/comment", alice), 200)
    check(api.get(f"{API}/request/AM-1/comment?public=True&internal=False", agent), 200)
    check(api.get(f"{API}/request/AM-1/comment/1", alice), 200)
    check(api.get(f"{API}/request/AM-1/status", alice), 200)
    check(api.get(f"{API}/request/AM-1/transition", alice), 200)
    check(api.post(f"{API}/request/AM-1/transition", agent, {"id": "1"}), 204)
    check(api.get(f"{API}/request/AM-1/participant", alice), 200)
    check(api.post(f"{API}/request/AM-1/participant", alice, {"usernames": [agent.email]}), 200)
    check(api.delete(f"{API}/request/AM-1/participant", alice, {"accountIds": [agent.id]}), 200)
    check(api.get(f"{API}/request/AM-1/notification", alice), 200)
    check(api.put(f"{API}/request/AM-1/notification", alice), 204)
    check(api.delete(f"{API}/request/AM-1/notification", alice), 204)
    check(api.post(f"{API}/servicedesk/1/organization", agent, {"organizationId": 1}), 204)
    check(api.get(f"{API}/servicedesk/1/organization", agent), 200)
    check(api.delete(f"{API}/servicedesk/1/organization", agent, {"organizationId": 1}), 204)


EVERY_EXPANSION = "serviceDesk,requestType,participant,status,action,comment"


def test_expanded_requests_and_desk_administration_answer_in_atlassians_shapes(api, person, check):
    alice, bob, agent, admin = person(), person(), person(role="agent"), person(role="admin")
    check(api.create(alice, requestParticipants=[bob.email]), 201)
    check(api.post(f"{API}/request/AM-1/comment", agent, {"body": "Hello"}), 201)
    check(api.post(f"{API}/request/AM-1/comment", agent, {"body": "note", "public": False}), 201)
    one = check(api.get(f"{API}/request/AM-1?expand={EVERY_EXPANSION}", alice), 200).json
    assert one["serviceDesk"]["projectKey"] == "AM" and one["requestType"]["name"] == "Incident"
    assert [u["accountId"] for u in one["participants"]["values"]] == [bob.id]
    assert [s["status"] for s in one["status"]["values"]] == ["Waiting for customer", "Waiting for support"]
    assert [c["body"] for c in one["comments"]["values"]] == ["Hello"]  # never the internal note
    assert one["actions"]["addParticipant"] == {"allowed": True}
    as_agent = check(api.get(f"{API}/request/AM-1?expand=comment,action", agent), 200).json
    assert [c["body"] for c in as_agent["comments"]["values"]] == ["Hello", "note"]
    page = check(api.get(f"{API}/request?expand={EVERY_EXPANSION}&expand=sla", alice), 200).json
    assert [c["body"] for c in page["values"][0]["comments"]["values"]] == ["Hello"]
    check(api.get(f"{API}/request?expand=participant", bob), 200)
    check(api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Access", "description": "d"}), 200)
    check(api.post(f"{API}/servicedesk/1/customer", agent, {"accountIds": [alice.id]}), 204)
    check(api.get(f"{API}/servicedesk/1/customer", agent), 200)
    check(api.delete(f"{API}/servicedesk/1/customer", agent, {"usernames": [alice.email]}), 204)


def test_error_answers_are_jsm_error_responses(api, person, check):
    alice = person()
    check(api.create(alice, summary=""), 400)
    check(api.get(f"{API}/request/AM-404", alice), 404)
    check(api.client.get(f"{API}/request"), 401)
    api.create(alice)
    check(api.post(f"{API}/request/AM-1/transition", alice, {"id": "4"}), 403)


def test_attachment_endpoints_answer_in_atlassians_shapes(api, person, check, binary):
    from .attachments_helpers import XSRF, content_path, png, upload

    alice, agent = person(), person(role="agent")
    check(api.create(alice), 201)
    temporary = check(upload(api, alice, ("screen.png", png()), ("log.txt", b"log")), 201).json
    ids = [t["temporaryAttachmentId"] for t in temporary["temporaryAttachments"]]
    with_comment = check(api.post(f"{API}/request/AM-1/attachment", alice, {
        "temporaryAttachmentIds": ids[:1], "public": True, "additionalComment": {"body": "see attached"}}), 201).json
    check(api.post(f"{API}/request/AM-1/attachment", alice, {"temporaryAttachmentIds": ids[1:], "public": True,
                                                                "additionalComment": {"body": None}}), 201)
    note_ids = [t["temporaryAttachmentId"] for t in upload(api, agent, ("note.txt", b"n")).json["temporaryAttachments"]]
    check(api.post(f"{API}/request/AM-1/attachment", agent, {"temporaryAttachmentIds": note_ids, "public": False}), 201)
    check(api.get(f"{API}/request/AM-1/attachment", alice), 200)
    check(api.get(f"{API}/request/AM-1/attachment?start=1&limit=1", agent), 200)
    comment_id = with_comment["comment"]["id"]
    check(api.get(f"{API}/request/AM-1/comment/{comment_id}/attachment", alice), 200)
    check(api.get(f"{API}/request/AM-1/comment?expand=attachment", agent), 200)
    check(api.get(f"{API}/request/AM-1/comment/{comment_id}?expand=attachment", alice), 200)
    check(api.get(f"{API}/request/AM-1?expand=attachment,comment.attachment,{EVERY_EXPANSION}", alice), 200)
    check(api.get(f"{API}/request?expand=attachment", agent), 200)
    shot = content_path(with_comment["attachments"]["values"][0])
    binary(api.get(shot, alice), 200, "image/png")
    binary(api.get(shot + "/thumbnail", alice), 200, "image/png")
    check(api.get(f"{API}/request/AM-1/attachment/999", alice), 404)
    check(api.get(f"{API}/request/AM-1/attachment/abc/thumbnail", alice), 404)
    check(upload(api, alice, ("a.txt", b"a"), headers={}), 403)
    check(upload(api, alice, ("a.txt", b"a"), desk="404"), 404)
    check(upload(api, alice, ("empty.txt", b"")), 400)
    check(api.post(f"{API}/request/AM-1/attachment", alice, {"temporaryAttachmentIds": ["temp0"], "public": True}), 400)
    check(api.post(f"{API}/request/AM-1/attachment", alice, {"temporaryAttachmentIds": note_ids, "public": False}), 403)
    check(api.client.post(f"{API}/servicedesk/1/attachTemporaryFile", data=b"x" * (200 * 1024 * 1024 // 100),
                          headers={**alice.headers, **XSRF, "Content-Type": "multipart/form-data; boundary=b",
                                   "Content-Length": str(500 * 1024 * 1024)}), 413)


def test_jsm_details_answer_in_atlassians_shapes(api, person, check, document):
    """Issue 12, point 13: filtered paging links, APPROVER, searchTerm, renderedBody, expand=field, 501."""
    import jsonschema

    alice, agent = person(), person(role="agent")
    for n in range(3):
        api.create(alice, summary=f"Printer {n} is on fire")
    page = check(api.get(f"{API}/request?serviceDeskId=1&searchTerm=print*%20fire&limit=2", alice), 200).json
    assert page["size"] == 2 and "searchTerm=print%2A+fire" in page["_links"]["next"]
    check(api.get(f"{API}/request?requestOwnership=APPROVER", alice), 200)
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "*Hello*"})
    check(api.get(f"{API}/request/AM-1/comment?expand=renderedBody", alice), 200)
    check(api.get(f"{API}/request/AM-1/comment/1?expand=renderedBody", alice), 200)
    check(api.get(f"{API}/servicedesk/1/requesttype?expand=field", alice), 200)
    check(api.get(f"{API}/servicedesk/1/requesttype/1?expand=field", alice), 200)
    # The desk list and the desk rule agree: an agent of AM lists every desk open to it and raises on each.
    am_agent = person(role="agent", desks=(1,))
    for desk in check(api.get(f"{API}/servicedesk", am_agent), 200).json["values"]:
        check(api.get(f"{API}/servicedesk/{desk['id']}", am_agent), 200)
        first = check(api.get(f"{API}/servicedesk/{desk['id']}/requesttype", am_agent), 200).json["values"][0]
        check(api.create(am_agent, desk=str(desk["id"]), rt=str(first["id"]), summary="On every listed desk"), 201)
    # 501 is no status of Atlassian's operations; its body is still their ErrorResponse.
    unserved = api.get(f"{API}/request/AM-1/sla", alice)
    assert unserved.status_code == 501
    jsonschema.validate(unserved.json, {"$ref": "#/components/schemas/ErrorResponse",
                                        "components": document["components"]})


@pytest.fixture(scope="module")
def own_document() -> dict:
    """The tickets service's own document, for its native operations (``/api/tickets/...``)."""
    from tickets.api.desks import openapi_document

    document = openapi_document()
    document["servers"] = [{"url": "http://localhost"}]
    return document


def test_editing_and_removing_request_types_answer_as_both_documents_say(api, person, check, own_document):
    """PATCH /api/tickets/requesttypes/{id} against our document; DELETE of a request type against both."""
    admin, agent, alice = person(role="admin"), person(role="agent"), person()
    check_own = _checker(own_document)
    added = check(api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Access", "description": "d"}), 200)
    rt = added.json["id"]
    edited = check_own(api.patch(f"/api/tickets/requesttypes/{rt}", admin, {"name": "Access rights",
                                                                            "helpText": "Say which system"}), 200)
    assert (edited.json["name"], edited.json["helpText"]) == ("Access rights", "Say which system")
    check_own(api.patch(f"/api/tickets/requesttypes/{rt}", admin, {"name": ""}), 400)
    check_own(api.patch(f"/api/tickets/requesttypes/{rt}", agent, {"name": "Mine"}), 403)
    check_own(api.patch("/api/tickets/requesttypes/99999", admin, {"name": "None"}), 404)
    api.create(alice, summary="Uses Incident")
    for validate in (check, check_own):
        validate(api.delete(f"{API}/servicedesk/1/requesttype/1", admin), 400)  # in use
        validate(api.delete(f"{API}/servicedesk/1/requesttype/{rt}", agent), 403)
    check_own(api.delete(f"{API}/servicedesk/1/requesttype/{rt}", admin), 204)
    check(api.delete(f"{API}/servicedesk/1/requesttype/{rt}", admin), 404)
    other = check(api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Other", "description": "d"}), 200)
    check(api.delete(f"{API}/servicedesk/1/requesttype/{other.json['id']}", admin), 204)
