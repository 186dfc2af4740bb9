"""Sharing a request with someone who has no account yet, across tickets, identity and notifier."""
import uuid

from common.testing import wait_for
from conftest import Mailbox, login, new_customer


def test_an_unknown_email_added_as_participant_is_invited_and_then_sees_the_request(api, agent_headers, mailbox):
    _reporter_email, reporter = new_customer(api, agent_headers, mailbox, "reporter")
    desks = api.get("/rest/servicedeskapi/servicedesk", headers=reporter).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")
    question = next(t for t in api.get(f"/rest/servicedeskapi/servicedesk/{am['id']}/requesttype",
                                       headers=reporter).json()["values"] if t["name"] == "Question")
    created = api.post("/rest/servicedeskapi/request", headers=reporter, json={
        "serviceDeskId": am["id"], "requestTypeId": question["id"],
        "requestFieldValues": {"summary": "Please include my colleague"}})
    assert created.status_code == 201, created.text
    key = created.json()["issueKey"]

    guest = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    added = api.post(f"/rest/servicedeskapi/request/{key}/participant", json={"usernames": [guest]}, headers=reporter)
    assert added.status_code == 200, added.text

    invitation = wait_for(lambda: mailbox.to(guest), what=f"an invitation to {guest}")[0]
    token = Mailbox.link_token(invitation)
    accepted = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": "guest-password-123", "displayName": "Guest"})
    assert accepted.status_code in (200, 201), accepted.text
    guest_headers = login(api, guest, "guest-password-123")

    wait_for(lambda: api.get(f"/rest/servicedeskapi/request/{key}", headers=guest_headers).status_code == 200,
               what="the invited participant to see the request")
    participants = api.get(f"/rest/servicedeskapi/request/{key}/participant", headers=reporter).json()["values"]
    assert guest in {p["emailAddress"] for p in participants}
