"""The authorisation matrix, from ONE table: every endpoint × every relation of the caller to the object.

Run through the gateway against the whole stack. A caller who may not see the object gets 404 (the
same as for an object that does not exist); one who may see it but not do the action gets 403;
anonymous callers get 401. The relations (see tests/world.py): the request's reporter, a
participant, a member of the organisation it is shared with, the same member on a private request
of the reporter, a stranger, an agent of the request's desk, an agent of another desk, an admin.
Mutating rows act on a fresh request (or account) per case, so no case depends on another.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

import pytest

from common.testing import count_cases, wait_for
from world import RELATIONS

VISIBLE = ("reporter", "participant", "org member", "agent of the desk", "admin")
HIDDEN = ("org member, private request", "stranger", "agent of another desk")
CUSTOMERS = ("reporter", "participant", "org member", "org member, private request", "stranger")
AGENTS = ("agent of the desk", "admin")


def seen(ok: int, **overrides: int) -> dict[str, int]:
    """Who sees the request gets ``ok``; who does not, 404; anonymous, 401."""
    table = {"anonymous": 401, **{r: ok for r in VISIBLE}, **{r: 404 for r in HIDDEN}}
    table.update({k.replace("_", " "): v for k, v in overrides.items()})
    return table


def managers(ok: int) -> dict[str, int]:
    """Reporter, participants and the desk's agents manage sharing; organisation members only read."""
    return seen(ok, org_member=403)


def agents_only(ok: int) -> dict[str, int]:
    """Who sees the request but is no agent of its desk gets 403."""
    return {**seen(403), **{r: ok for r in AGENTS}}


def staff_area(ok: int, other_desk: int) -> dict[str, int]:
    """Desk and identity endpoints: customers are refused by role, the other desk's agent as ``other_desk``."""
    return {"anonymous": 401, **{r: 403 for r in CUSTOMERS}, "agent of another desk": other_desk,
            **{r: ok for r in AGENTS}}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # {key}, {key_lower}, {id}, {desk}, {org}, {comment}, {me}, {reporter}, {target}
    expect: dict[str, int]
    body: Callable[[object, str], dict] | None = None
    fresh: str = ""  # "request", "resolved request" or "account": a new object per case


def _unique(_w, _relation) -> dict:
    return {"name": f"Renamed {uuid.uuid4().hex[:8]}"}


def _temporary_file(world, relation: str) -> list[str]:
    """A file the caller uploaded to the desk a moment ago (anonymous callers cannot upload)."""
    if relation == "anonymous":
        return ["none"]
    answer = world.api.post(f"/rest/servicedeskapi/servicedesk/{world.am_id}/attachTemporaryFile",
                            files={"file": ("matrix.txt", b"matrix")},
                            headers={**world.headers[relation], "X-Atlassian-Token": "no-check"})
    assert answer.status_code == 201, answer.text
    return [answer.json()["temporaryAttachments"][0]["temporaryAttachmentId"]]


def _attach(public: bool):
    return lambda w, r: {"temporaryAttachmentIds": _temporary_file(w, r), "public": public}


TABLE: tuple[Row, ...] = (
    # -- reading a request, by key, lower-case key and id, and every secondary endpoint ----------
    Row("request by key", "GET", "/rest/servicedeskapi/request/{key}", seen(200)),
    Row("request by lower-case key", "GET", "/rest/servicedeskapi/request/{key_lower}", seen(200)),
    Row("request by id", "GET", "/rest/servicedeskapi/request/{id}", seen(200)),
    Row("status history", "GET", "/rest/servicedeskapi/request/{key}/status", seen(200)),
    Row("comments", "GET", "/rest/servicedeskapi/request/{key}/comment", seen(200)),
    Row("an internal note", "GET", "/rest/servicedeskapi/request/{key}/comment/{comment}",
        seen(404, agent_of_the_desk=200, admin=200)),
    Row("transitions", "GET", "/rest/servicedeskapi/request/{key}/transition", seen(200)),
    Row("participants", "GET", "/rest/servicedeskapi/request/{key}/participant", seen(200)),
    Row("notification state", "GET", "/rest/servicedeskapi/request/{key}/notification", seen(200)),
    Row("request page data", "GET", "/api/tickets/requests/{key}", seen(200)),
    Row("history", "GET", "/api/tickets/requests/{key}/history", seen(200)),
    # -- acting on a request ---------------------------------------------------------------------
    Row("public comment", "POST", "/rest/servicedeskapi/request/{key}/comment", seen(201),
        lambda w, r: {"body": "hello", "public": True}, "request"),
    Row("internal note", "POST", "/rest/servicedeskapi/request/{key}/comment", agents_only(201),
        lambda w, r: {"body": "note", "public": False}, "request"),
    Row("close", "POST", "/rest/servicedeskapi/request/{key}/transition",
        seen(204, participant=403, org_member=403), lambda w, r: {"id": "5"}, "request"),
    Row("resolve", "POST", "/rest/servicedeskapi/request/{key}/transition",
        agents_only(204), lambda w, r: {"id": "4"}, "request"),
    Row("reopen", "POST", "/rest/servicedeskapi/request/{key}/transition",
        seen(204, participant=403, org_member=403), lambda w, r: {"id": "6"}, "resolved request"),
    Row("add a participant", "POST", "/rest/servicedeskapi/request/{key}/participant", managers(200),
        lambda w, r: {"usernames": [w.emails["bystander"]]}, "request"),
    Row("remove a participant", "DELETE", "/rest/servicedeskapi/request/{key}/participant", managers(200),
        lambda w, r: {"usernames": [w.emails["participant"]]}, "request"),
    Row("stop sharing", "POST", "/api/tickets/requests/{key}/organizations", managers(200),
        lambda w, r: {"remove": [int(w.org_id)]}, "request"),
    Row("edit the summary", "PATCH", "/api/tickets/requests/{key}", seen(200, participant=403, org_member=403),
        lambda w, r: {"summary": "Edited"}, "request"),
    Row("assign", "PUT", "/api/tickets/requests/{key}/assignee", agents_only(200),
        lambda w, r: {"accountId": w.ids["agent of the desk"]}, "request"),
    Row("turn notifications on", "PUT", "/rest/servicedeskapi/request/{key}/notification", seen(204),
        fresh="request"),
    Row("attachments", "GET", "/rest/servicedeskapi/request/{key}/attachment", seen(200)),
    Row("attach a file", "POST", "/rest/servicedeskapi/request/{key}/attachment", seen(201), _attach(True),
        "request"),
    Row("attach an internal file", "POST", "/rest/servicedeskapi/request/{key}/attachment", agents_only(201),
        _attach(False), "request"),
    # -- the desk --------------------------------------------------------------------------------
    Row("desk organisations", "GET", "/rest/servicedeskapi/servicedesk/{desk}/organization", staff_area(200, 403)),
    Row("desk customers", "GET", "/rest/servicedeskapi/servicedesk/{desk}/customer", staff_area(200, 403)),
    Row("desk agents", "GET", "/api/tickets/desks/{desk}/agents", staff_area(200, 403)),
    # An open desk: everyone signed in may use it (its public face; its settings for its agents).
    Row("a desk", "GET", "/api/tickets/desks/{desk}", {"anonymous": 401, **{r: 200 for r in RELATIONS[1:]}}),
    Row("desk queue", "GET", "/api/tickets/queues?serviceDeskId={desk}&queue=open", staff_area(200, 404)),
    Row("desk settings", "PATCH", "/api/tickets/desks/{desk}", staff_area(403, 403) | {"admin": 200},
        lambda w, r: {}),
    # -- identity: accounts and organisations ----------------------------------------------------
    Row("an account", "GET", "/api/identity/accounts/{reporter}", staff_area(200, 404)),
    Row("deactivate a customer", "POST", "/api/identity/accounts/{target}/deactivate", staff_area(200, 404),
        fresh="account"),
    Row("an organisation", "GET", "/rest/servicedeskapi/organization/{org}",
        staff_area(200, 404) | {"reporter": 200, "org member": 200, "org member, private request": 200,
                                "participant": 404, "stranger": 404}),
    Row("organisation members", "GET", "/rest/servicedeskapi/organization/{org}/user", staff_area(200, 404)),
    Row("join an organisation", "POST", "/rest/servicedeskapi/organization/{org}/user", staff_area(400, 404),
        lambda w, r: {"accountIds": [w.ids.get(r, "nobody")]}),
    Row("rename an organisation", "PATCH", "/api/identity/organisations/{org}", staff_area(200, 404), _unique),
)


def _fresh_request(world, relation: str, resolved: bool) -> str:
    key = world.create(private=relation == "org member, private request")
    if resolved:
        answer = world.api.post(f"/rest/servicedeskapi/request/{key}/transition", json={"id": "4"},
                                headers=world.headers["agent of the desk"])
        assert answer.status_code == 204, answer.text
    return key


def _fresh_accounts(world) -> dict[str, str]:
    """A customer per successful deactivation, each touched by AM (it raised a request there); one victim
    for every case that must fail."""
    out = {}
    for relation in ("agent of the desk", "admin", "victim"):
        email, headers = world.customer("target")
        answer = world.api.post("/rest/servicedeskapi/request", headers=headers, json={
            "serviceDeskId": world.am_id, "requestTypeId": world.question_id,
            "requestFieldValues": {"summary": "Touching AM", "organizations": []}})
        assert answer.status_code == 201, answer.text
        out[relation] = world.api.get("/api/identity/me", headers=headers).json()["accountId"]
    for account_id in out.values():
        wait_for(lambda: world.api.get(f"/api/identity/accounts/{account_id}",
                                       headers=world.headers["agent of the desk"]).status_code == 200,
                 timeout=30, what="identity to learn that AM touches the new customer")
    return out


CASES = [(row, relation) for row in TABLE for relation in RELATIONS]


@pytest.fixture(scope="module")
def targets(world):
    return _fresh_accounts(world)


@pytest.mark.parametrize(("row", "relation"), CASES, ids=[f"{row.name} | {rel}" for row, rel in CASES])
def test_authorisation_matrix(world, targets, row, relation):
    count_cases("authorisation matrix")
    key = world.private_key if relation == "org member, private request" else world.shared_key
    if row.fresh in ("request", "resolved request") and relation != "anonymous":
        key = _fresh_request(world, relation, row.fresh == "resolved request")
    detail = world.api.get(f"/rest/servicedeskapi/request/{key}", headers=world.headers["admin"]).json()
    values = {"key": key, "key_lower": key.lower(), "id": detail["issueId"], "desk": world.am_id,
              "org": world.org_id, "comment": world.internal_comment_id, "reporter": world.ids["reporter"],
              "target": targets.get(relation, targets["victim"])}
    path = row.path.format(**values)
    body = row.body(world, relation) if row.body else None
    answer = world.api.request(row.method, path, json=body, headers=world.headers[relation])
    expected = row.expect[relation]
    assert answer.status_code == expected, (
        f"{row.name} as {relation}: {row.method} {path} answered {answer.status_code}, expected {expected}: "
        f"{answer.text[:300]}")
    assert answer.status_code < 500


def test_the_matrix_covers_every_relation_of_every_row():
    for row in TABLE:
        assert set(row.expect) == set(RELATIONS), row.name
    print(f"\nauthorisation matrix: {len(CASES)} cases ({len(TABLE)} endpoints x {len(RELATIONS)} relations)")
