"""The skeleton's flow over HTTP alone, as a script drives it, through the gateway.

Agent invites a customer -> invitation email with a link -> the customer sets a password -> logs
in -> raises an Incident on Audio Matching (AM-1) -> the agent replies in public -> the request is
Waiting for customer -> the customer gets the status email.
"""
import re
import uuid

from common.testing import wait_for
from conftest import Mailbox, login


def test_invited_customer_raises_a_request_and_hears_back(api, agent_headers, mailbox):
    email = f"customer-{uuid.uuid4().hex[:8]}@example.com"

    response = api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent_headers)
    assert response.status_code in (200, 201), response.text

    invitation = wait_for(lambda: mailbox.to(email), what=f"the invitation email to {email}")[0]
    token = Mailbox.link_token(invitation)
    assert "/portal/invitation?token=" in Mailbox.text(invitation)

    response = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": "a-long-secret-phrase-42", "displayName": "Cleo Customer"})
    assert response.status_code in (200, 201), response.text
    customer = login(api, email, "a-long-secret-phrase-42")

    desks = api.get("/rest/servicedeskapi/servicedesk", headers=customer)
    assert desks.status_code == 200, desks.text
    am = next(d for d in desks.json()["values"] if d["projectKey"] == "AM")
    types = api.get(f"/rest/servicedeskapi/servicedesk/{am['id']}/requesttype", headers=customer)
    assert types.status_code == 200, types.text
    incident = next(t for t in types.json()["values"] if t["name"] == "Incident")

    created = api.post("/rest/servicedeskapi/request", headers=customer, json={
        "serviceDeskId": am["id"], "requestTypeId": incident["id"],
        "requestFieldValues": {"summary": "Audio matching stopped at 02:00", "description": "No matches since."},
    })
    assert created.status_code == 201, created.text
    key = created.json()["issueKey"]
    # AM-<n>: the stack is shared by the suites, so n depends on what ran before (a fresh one gives
    # AM-1, which the browser walkthrough checks on its own fresh instance).
    assert re.fullmatch(r"AM-[1-9][0-9]*", key)
    assert created.json()["currentStatus"]["status"] == "Waiting for support"

    reply = api.post(f"/rest/servicedeskapi/request/{key}/comment", headers=agent_headers,
                     json={"body": "We are looking at it; which station?", "public": True})
    assert reply.status_code == 201, reply.text

    status = api.get(f"/rest/servicedeskapi/request/{key}/status", headers=customer)
    assert status.status_code == 200, status.text
    assert status.json()["values"][0]["status"] == "Waiting for customer"

    # The "request received" email comes first; the status email follows the agent's reply.
    mails = wait_for(lambda: [m for m in mailbox.to(email, key)
                              if "Waiting for customer" in str(m["Subject"]) + Mailbox.text(m)],
                     what=f"the status email about {key} to the customer")
    assert f"/portal/requests/{key}" in Mailbox.text(mails[-1])
