"""Existing JSM clients, unchanged, against the gateway: atlassian-python-api and jira.

Customers authenticate the way JSM scripts do: HTTP Basic with their email and an API token made
in their profile. Agents use a Bearer access token (both clients support ``token=``).
"""
import uuid

import pytest
from atlassian import ServiceDesk
from jira import JIRA

from conftest import eventually, login


@pytest.fixture(scope="module")
def customer(api, agent_headers, mailbox):
    """A fresh internal customer with an API token: (email, api_token)."""
    from conftest import Mailbox

    email = f"client-{uuid.uuid4().hex[:8]}@example.com"
    assert api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent_headers).status_code in (200, 201)
    token = Mailbox.link_token(eventually(lambda: mailbox.to(email), message="invitation")[0])
    accepted = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": "client-password-123", "displayName": "Client User"})
    assert accepted.status_code in (200, 201), accepted.text
    headers = login(api, email, "client-password-123")
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
