"""Existing JSM clients, unchanged, against the gateway: atlassian-python-api and jira.

Customers authenticate the way JSM scripts do: HTTP Basic with their email and an API token made
in their profile. Agents use a Bearer access token (both clients support ``token=``).
"""
import uuid

import pytest
from atlassian import ServiceDesk
from jira import JIRA

from conftest import new_customer


@pytest.fixture(scope="module")
def customer(api, agent_headers, mailbox):
    """A fresh internal customer with an API token: (email, api_token)."""
    email, headers = new_customer(api, agent_headers, mailbox, "client")
    created = api.post("/api/identity/me/tokens", json={"label": "scripts"}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    return email, body.get("token") or body.get("value")


@pytest.fixture(scope="module")
def sd_customer(stack, customer):
    email, api_token = customer
    return ServiceDesk(url=stack.gateway_url, username=email, password=api_token)


@pytest.fixture(scope="module")
def sd_agent(stack, api, agent_headers):
    token = agent_headers["Authorization"].split(" ", 1)[1]
    return ServiceDesk(url=stack.gateway_url, token=token)


def test_info_and_service_desks(sd_customer):
    assert sd_customer.get_info()["version"]
    desks = sd_customer.get_service_desks()
    assert {"AM", "TV", "RA"} <= {d["projectKey"] for d in desks}


def test_request_types_fields_create_and_read(sd_customer, sd_agent):
    am = next(d for d in sd_customer.get_service_desks() if d["projectKey"] == "AM")
    types = sd_customer.get_request_types(am["id"])
    values = types["values"] if isinstance(types, dict) else types
    incident = next(t for t in values if t["name"] == "Incident")
    fields = sd_customer.get_request_type_fields(am["id"], incident["id"])
    assert any(f["fieldId"] == "summary" and f["required"] for f in fields["requestTypeFields"])

    created = sd_customer.create_customer_request(am["id"], incident["id"],
                                                  {"summary": "Client-made request", "description": "via atlassian"})
    key = created["issueKey"]
    assert sd_customer.get_customer_request(key)["issueKey"] == key
    assert sd_customer.get_customer_request_status(key) == "Waiting for support"
    mine = sd_customer.get_my_customer_requests()
    assert key in {r["issueKey"] for r in mine}

    sd_agent.create_request_comment(key, "Public answer from the team", public=True)
    assert sd_customer.get_customer_request_status(key) == "Waiting for customer"
    comments = sd_customer.get_request_comments(key)  # the client returns the page's values
    assert [c["body"] for c in comments][-1] == "Public answer from the team"

    transitions = sd_customer.get_customer_transitions(key)
    names = {t["name"]: t["id"] for t in transitions["values"]}
    assert "Close request" in names, names
    sd_customer.perform_transition(key, names["Close request"], comment="Solved on our side, thanks")
    assert sd_customer.get_customer_request_status(key) == "Closed"


def test_jira_package_service_desk_calls(stack, customer):
    email, api_token = customer
    client = JIRA(server=stack.gateway_url, basic_auth=(email, api_token), get_server_info=False)
    assert client.supports_service_desk()
    desks = client.service_desks()
    am = next(d for d in desks if d.projectKey == "AM")
    types = client.request_types(am)
    incident = next(t for t in types if t.name == "Incident")
    issue = client.create_customer_request({
        "serviceDeskId": am.id, "requestTypeId": int(incident.id),
        "requestFieldValues": {"summary": "Raised with the jira package", "description": "prefetch too"},
    })
    assert issue.key.startswith("AM-")
    assert issue.fields.summary == "Raised with the jira package"


def test_agents_manage_customers_and_organisations_with_atlassian_client(sd_agent, sd_customer, customer):
    email, _token = customer
    newcomer = f"made-by-client-{uuid.uuid4().hex[:6]}@example.com"
    created = sd_agent.create_customer("Made By Client", newcomer)
    assert created["emailAddress"] == newcomer and created["accountId"]

    org = sd_agent.create_organization(f"Client Org {uuid.uuid4().hex[:6]}")
    assert org["id"] and org["name"].startswith("Client Org")
    sd_agent.add_users_to_organization(org["id"], users_list=[email], account_list=[created["accountId"]])
    members = sd_agent.get_users_in_organization(org["id"])
    assert {m["emailAddress"] for m in members["values"]} == {email, newcomer}
    assert sd_agent.get_organization(org["id"])["name"] == org["name"]

    am = next(d for d in sd_agent.get_service_desks() if d["projectKey"] == "AM")
    # Linked at once: the tickets service waits briefly for identity's event about the organisation.
    sd_agent.add_organization(am["id"], org["id"])
    linked = sd_agent.get_organisations(am["id"])
    assert org["id"] in {o["id"] for o in linked["values"]}

    sd_agent.remove_users_from_organization(org["id"], users_list=[newcomer])
    members = sd_agent.get_users_in_organization(org["id"])
    assert {m["emailAddress"] for m in members["values"]} == {email}
    sd_agent.remove_organization(am["id"], org["id"])
    sd_agent.delete_organization(org["id"])


def test_participants_on_behalf_and_filters(sd_agent, sd_customer, customer, api, agent_headers):
    email, _token = customer
    am = next(d for d in sd_agent.get_service_desks() if d["projectKey"] == "AM")
    question = next(t for t in sd_agent.get_request_types(am["id"])["values"] if t["name"] == "Question")
    colleague = sd_agent.create_customer("Colleague", f"colleague-{uuid.uuid4().hex[:6]}@example.com")

    # The colleague was created a moment ago: the tickets service waits briefly for their account.
    on_behalf = sd_agent.create_customer_request(am["id"], question["id"], {"summary": "Raised for the customer"},
                                                 raise_on_behalf_of=email,
                                                 request_participants=[colleague["accountId"]])
    key = on_behalf["issueKey"]
    assert on_behalf["reporter"]["emailAddress"] == email
    assert key in {r["issueKey"] for r in sd_customer.get_my_customer_requests()}
    assert colleague["accountId"] in {p["accountId"] for p in sd_customer.get_request_participants(key)}
    sd_customer.remove_request_participants(key, account_list=[colleague["accountId"]])
    assert sd_customer.get_request_participants(key) == []

    sd_customer.add_request_participants(key, users_list=[colleague["emailAddress"]])
    participants = sd_customer.get_request_participants(key)
    assert colleague["accountId"] in {p["accountId"] for p in participants}
    sd_customer.remove_request_participants(key, account_list=[colleague["accountId"]])
    assert sd_customer.get_request_participants(key) == []

    mine = sd_customer.get(
        "rest/servicedeskapi/request",
        params={"requestOwnership": "OWNED_REQUESTS", "requestStatus": "OPEN_REQUESTS",
                "searchTerm": "Raised for", "serviceDeskId": am["id"], "requestTypeId": question["id"]})
    assert [r["issueKey"] for r in mine["values"]] == [key]
    closed = sd_customer.get("rest/servicedeskapi/request", params={"requestStatus": "CLOSED_REQUESTS",
                                                                      "searchTerm": "Raised for"})
    assert closed["values"] == []


def test_jira_package_creates_a_customer_as_an_agent(stack, agent_headers):
    token = agent_headers["Authorization"].split(" ", 1)[1]
    client = JIRA(server=stack.gateway_url, token_auth=token, get_server_info=False)
    address = f"jira-made-{uuid.uuid4().hex[:6]}@example.com"
    customer = client.create_customer(address, "Jira Made")
    assert customer.emailAddress == address


def _attachment_schema(name: str) -> dict:
    from common.testing import jsm_openapi_document

    document = jsm_openapi_document()
    return {**document["components"]["schemas"][name], "components": document["components"]}


def test_attachments_with_the_atlassian_client_unchanged(sd_customer, sd_agent, customer, stack, tmp_path):
    import io

    import httpx
    import jsonschema
    from PIL import Image

    am = next(d for d in sd_customer.get_service_desks() if d["projectKey"] == "AM")
    incident = next(t for t in sd_customer.get_request_types(am["id"])["values"] if t["name"] == "Incident")
    key = sd_customer.create_customer_request(am["id"], incident["id"], {"summary": "Files from a script"})["issueKey"]
    shot = tmp_path / "screen.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "orange").save(buffer, "PNG")
    shot.write_bytes(buffer.getvalue())
    log = tmp_path / "player.log"
    log.write_text("12:00 player started\n12:01 no fingerprints\n")

    temporary = sd_customer.attach_temporary_file(am["id"], str(shot))
    assert temporary.startswith("temp")
    added = sd_customer.add_attachment(key, temporary, public=True, comment="Screenshot of the player")
    jsonschema.validate(added, _attachment_schema("AttachmentCreateResultDTO"))
    assert added["comment"]["body"] == "Screenshot of the player"
    assert [a["filename"] for a in added["attachments"]["values"]] == ["screen.png"]

    created = sd_customer.create_attachment(am["id"], key, str(log))
    jsonschema.validate(created, _attachment_schema("AttachmentCreateResultDTO"))
    assert created["attachments"]["values"][0]["mimeType"] == "text/plain"
    both = sd_customer.create_attachments(am["id"], key, [str(shot), str(log)], comment="Both again")
    assert both["attachments"]["size"] == 2

    listed = sd_customer.get(f"rest/servicedeskapi/request/{key}/attachment")
    jsonschema.validate(listed, _attachment_schema("PagedDTOAttachmentDTO"))
    assert [a["filename"] for a in listed["values"]] == ["screen.png", "player.log", "screen.png", "player.log"]
    email, api_token = customer
    content = httpx.get(listed["values"][0]["_links"]["content"], auth=(email, api_token), timeout=30)
    assert content.status_code == 200 and content.content == shot.read_bytes()
    assert content.headers["content-type"] == "image/png"
    thumbnail = httpx.get(listed["values"][0]["_links"]["thumbnail"], auth=(email, api_token), timeout=30)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\x89PNG")

    # An agent's internal file is not listed for the customer.
    sd_agent.create_attachment(am["id"], key, str(log), public=False, comment="internal analysis")
    assert len(sd_customer.get(f"rest/servicedeskapi/request/{key}/attachment")["values"]) == 4
    assert len(sd_agent.get(f"rest/servicedeskapi/request/{key}/attachment")["values"]) == 5


# -- issue 12, point 13: the details a JSM client relies on, with both clients --------------------
def _status_of(call) -> tuple[int, str]:
    """The HTTP status and body of a refused call of either client."""
    import requests
    from jira.exceptions import JIRAError

    try:
        call()
    except requests.HTTPError as exc:
        return exc.response.status_code, exc.response.text
    except JIRAError as exc:
        return exc.status_code, exc.text or ""
    raise AssertionError("the call was not refused")


def test_paging_links_search_ownership_and_expansions_with_atlassian_client(sd_customer, sd_agent):
    am = next(d for d in sd_customer.get_service_desks() if d["projectKey"] == "AM")
    incident = next(t for t in sd_customer.get_request_types(am["id"])["values"] if t["name"] == "Incident")
    tag = uuid.uuid4().hex[:8]
    keys = [sd_customer.create_customer_request(am["id"], incident["id"], {"summary": f"Printer {tag} {n} on fire"}
                                                )["issueKey"] for n in range(3)]
    params = {"serviceDeskId": am["id"], "searchTerm": f"print* fire {tag}", "limit": 2}
    first = sd_customer.get("rest/servicedeskapi/request", params=params)
    assert [r["issueKey"] for r in first["values"]] == keys[:0:-1]
    # Following next keeps the filters: the last matching request, and only it.
    second = sd_customer.get(first["_links"]["next"], absolute=True)
    assert [r["issueKey"] for r in second["values"]] == keys[:1]
    assert sd_customer.get("rest/servicedeskapi/request", params={"searchTerm": f"fire {tag} printer"})["size"] == 3
    approver = sd_customer.get("rest/servicedeskapi/request", params={"requestOwnership": "APPROVER"})
    assert approver["values"] == [] and approver["isLastPage"] is True

    sd_agent.create_request_comment(keys[0], "Try **this**", public=True)
    comments = sd_customer.get(f"rest/servicedeskapi/request/{keys[0]}/comment", params={"expand": "renderedBody"})
    assert "<strong>this</strong>" in comments["values"][-1]["renderedBody"]["html"]
    with_fields = sd_customer.get(f"rest/servicedeskapi/servicedesk/{am['id']}/requesttype/{incident['id']}",
                                  params={"expand": "field"})
    assert any(f["fieldId"] == "summary" for f in with_fields["fields"]["requestTypeFields"])


def test_refusals_a_client_can_tell_apart_with_atlassian_client(sd_customer, sd_agent, customer):
    key = sd_customer.get_my_customer_requests()[0]["issueKey"]
    # Not implemented (501, JSM's errorMessage) is not "no such request" (404).
    status, message = _status_of(lambda: sd_customer.get_sla(key))
    assert status == 501 and "does not implement" in message
    assert _status_of(lambda: sd_customer.get_customer_request("AM-99999999"))[0] == 404
    someone = sd_agent.create_customer("Someone Else", f"someone-{uuid.uuid4().hex[:6]}@example.com")
    status, _message = _status_of(lambda: sd_customer.get("rest/servicedeskapi/organization",
                                                          params={"accountId": someone["accountId"]}))
    assert status == 403
    # The desk list and the desk rule agree: every listed desk takes requests from the caller.
    for desk in sd_customer.get_service_desks():
        assert sd_customer.get_request_types(desk["id"])["values"]


def test_jsm_details_with_the_jira_package(stack, customer):
    email, api_token = customer
    client = JIRA(server=stack.gateway_url, basic_auth=(email, api_token), get_server_info=False)
    base = f"{stack.gateway_url}/rest/servicedeskapi"
    am = next(d for d in client.service_desks() if d.projectKey == "AM")
    page = client._session.get(f"{base}/request", params={"serviceDeskId": am.id, "limit": 1}).json()
    assert f"serviceDeskId={am.id}" in page["_links"]["self"]
    if not page["isLastPage"]:
        following = client._session.get(page["_links"]["next"]).json()
        assert {r["serviceDeskId"] for r in following["values"]} <= {am.id}
    approver = client._session.get(f"{base}/request", params={"requestOwnership": "APPROVER"}).json()
    assert approver["values"] == []
    status, text = _status_of(lambda: client._session.get(f"{base}/servicedesk/{am.id}/queue"))
    assert status == 501 and "does not implement" in text  # the client read JSM's errorMessage
    assert _status_of(lambda: client._session.get(f"{base}/request/AM-99999999"))[0] == 404


def test_search_expansions_and_refusals_with_the_jira_package(stack, customer, api, agent_headers):
    """The rest of point 13 with the jira package: its session sends what a JSM script would."""
    email, api_token = customer
    client = JIRA(server=stack.gateway_url, basic_auth=(email, api_token), get_server_info=False)
    base = f"{stack.gateway_url}/rest/servicedeskapi"
    am = next(d for d in client.service_desks() if d.projectKey == "AM")
    incident = next(t for t in client.request_types(am) if t.name == "Incident")
    tag = uuid.uuid4().hex[:8]
    keys = [client.create_customer_request({"serviceDeskId": am.id, "requestTypeId": int(incident.id),
                                            "requestFieldValues": {"summary": f"Printer {tag} {n} on fire"}}).key
            for n in range(2)]
    found = client._session.get(f"{base}/request", params={"searchTerm": f"print* {tag}"}).json()
    assert {r["issueKey"] for r in found["values"]} == set(keys)  # JSM's wildcard
    apart = client._session.get(f"{base}/request", params={"searchTerm": f"fire {tag} printer"}).json()
    assert {r["issueKey"] for r in apart["values"]} == set(keys)  # words that are not adjacent
    answered = api.post(f"/rest/servicedeskapi/request/{keys[0]}/comment", json={"body": "Try **this**"},
                        headers=agent_headers)
    assert answered.status_code == 201, answered.text
    comments = client._session.get(f"{base}/request/{keys[0]}/comment", params={"expand": "renderedBody"}).json()
    assert "<strong>this</strong>" in comments["values"][-1]["renderedBody"]["html"]
    with_fields = client._session.get(f"{base}/servicedesk/{am.id}/requesttype",
                                      params={"expand": "field"}).json()["values"]
    assert all(any(f["fieldId"] == "summary" for f in t["fields"]["requestTypeFields"]) for t in with_fields)
    agent_id = api.get("/api/identity/me", headers=agent_headers).json()["accountId"]
    status, text = _status_of(lambda: client._session.get(f"{base}/organization", params={"accountId": agent_id}))
    assert status == 403 and "agents" in text  # the client read JSM's errorMessage: agents only, as in JSM
    # The desk list and the desk rule agree: every listed desk offers its request types to the caller.
    for desk in client.service_desks():
        assert client.request_types(desk)
