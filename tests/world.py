"""A small world for the authorisation matrix and the advisory tests, built through the gateway
(``world`` fixture in conftest.py).

Desk AM with its own agent, desk TV with another, an admin; a reporter and a colleague in one
organisation, a participant, a stranger; requests shared with the organisation or private; and a
bystander, whom mutating cases add as a participant (so the stranger stays one).
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass, field

import httpx

from common.testing import wait_for
from conftest import ROOT, login, new_customer

RELATIONS = ("anonymous", "reporter", "participant", "org member", "org member, private request", "stranger",
             "agent of the desk", "agent of another desk", "admin")
STAFF_PASSWORD = "staff-password-e2e-1"


@dataclass
class World:
    api: httpx.Client
    headers: dict[str, dict]  # relation -> auth headers
    ids: dict[str, str]  # relation -> account id
    emails: dict[str, str]
    org_id: str
    am_id: str
    question_id: str
    mailbox: object
    agent_headers: dict
    shared_key: str = ""
    private_key: str = ""
    internal_comment_id: str = ""
    extra: dict = field(default_factory=dict)

    def create(self, private: bool = False, summary: str = "Authorisation matrix") -> str:
        """A new AM request by the reporter: shared with the organisation (participant added) or private."""
        values = {"summary": summary, "organizations": [] if private else [int(self.org_id)]}
        body = {"serviceDeskId": self.am_id, "requestTypeId": self.question_id, "requestFieldValues": values,
                "requestParticipants": [] if private else [self.emails["participant"]]}

        def attempt():
            answer = self.api.post("/rest/servicedeskapi/request", json=body, headers=self.headers["reporter"])
            return answer if answer.status_code == 201 else None

        return wait_for(attempt, what="a request by the reporter").json()["issueKey"]

    def customer(self, label: str) -> tuple[str, dict]:
        """A fresh customer (invited by the bootstrap agent)."""
        return new_customer(self.api, self.agent_headers, self.mailbox, label)


def _staff(stack, email: str, role: str, desk: str | None) -> None:
    env = stack.env
    subprocess.run([sys.executable, "-m", "identity.cli", "create-user", "--email", email, "--password",
                    STAFF_PASSWORD, "--role", role, "--name", role.title()], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    if desk:
        subprocess.run([sys.executable, "-m", "tickets.cli", "desk-agent", "--desk", desk, "--email", email],
                       env=env, cwd=ROOT, check=True, capture_output=True)


def build_world(stack, api, agent_headers, mailbox) -> World:
    tag = uuid.uuid4().hex[:6]
    staff = {"agent of the desk": (f"am-agent-{tag}@example.com", "agent", "AM"),
             "agent of another desk": (f"tv-agent-{tag}@example.com", "agent", "TV"),
             "admin": (f"admin-{tag}@example.com", "admin", None)}
    headers, ids, emails = {"anonymous": {}}, {}, {}
    for relation, (email, role, desk) in staff.items():
        _staff(stack, email, role, desk)
        headers[relation], emails[relation] = login(api, email, STAFF_PASSWORD), email
    for relation in ("reporter", "participant", "org member", "stranger", "bystander"):
        emails[relation], headers[relation] = new_customer(api, agent_headers, mailbox, relation.replace(" ", ""))
    headers["org member, private request"], emails["org member, private request"] = \
        headers["org member"], emails["org member"]
    for relation, auth in headers.items():
        if auth:
            ids[relation] = api.get("/api/identity/me", headers=auth).json()["accountId"]
    org = api.post("/rest/servicedeskapi/organization", json={"name": f"Matrix Org {tag}"},
                   headers=headers["admin"]).json()
    added = api.post(f"/rest/servicedeskapi/organization/{org['id']}/user",
                     json={"usernames": [emails["reporter"], emails["org member"]]}, headers=headers["admin"])
    assert added.status_code == 204, added.text
    desks = api.get("/rest/servicedeskapi/servicedesk", headers=headers["reporter"]).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")
    types = api.get(f"/rest/servicedeskapi/servicedesk/{am['id']}/requesttype", headers=headers["reporter"]).json()
    question = next(t for t in types["values"] if t["name"] == "Question")
    w = World(api, headers, ids, emails, str(org["id"]), str(am["id"]), str(question["id"]), mailbox, agent_headers)
    w.shared_key, w.private_key = w.create(), w.create(private=True)
    note = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(api.post(
        f"/rest/servicedeskapi/request/{w.shared_key}/comment", json={"body": "internal note", "public": False},
        headers=headers["agent of the desk"])), what="the AM agent's desk membership to reach tickets")
    w.internal_comment_id = note.json()["id"]
    # Identity learns from tickets' events what AM touches: wait until its agent reaches the reporter.
    wait_for(lambda: api.get(f"/api/identity/accounts/{ids['reporter']}",
                             headers=headers["agent of the desk"]).status_code == 200,
             timeout=30, what="identity to learn what desk AM touches")
    return w
