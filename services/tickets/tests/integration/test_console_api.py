"""The agent console's endpoints: filtered, sorted and counted queues, customer context, edits, bulk changes."""
from __future__ import annotations

from urllib.parse import quote

API = "/rest/servicedeskapi"


def _keys(api, who, query=""):
    answer = api.get(f"/api/tickets/queues?serviceDeskId=1&{query}", who)
    assert answer.status_code == 200, answer.json
    return [v["issueKey"] for v in answer.json["values"]], answer.json["total"]


def test_queues_are_searched_filtered_sorted_and_counted(api, person, organizations):
    organizations(7)
    alice, carol, agent = person(orgs=[7]), person(), person(role="agent")
    api.create(alice, summary="Printer jammed")                  # AM-1 shared with org 7
    question = api.post(f"{API}/request", carol, {"serviceDeskId": "1", "requestTypeId": "3",
                                                  "requestFieldValues": {"summary": "Matches missing"}})
    assert question.status_code == 201, question.json             # AM-2 a question
    api.create(carol, summary="Printer offline")                   # AM-3
    api.put("/api/tickets/requests/AM-3/assignee", agent, {"accountId": agent.id})
    api.post(f"{API}/request/AM-2/comment", agent, {"body": "Which station?"})

    assert _keys(api, agent, "queue=all") == (["AM-2", "AM-3", "AM-1"], 3)  # latest activity first
    assert _keys(api, agent, "queue=all&query=printer") == (["AM-3", "AM-1"], 2)
    assert _keys(api, agent, "queue=all&requestTypeId=3") == (["AM-2"], 1)
    assert _keys(api, agent, "queue=all&assigneeId=unassigned") == (["AM-2", "AM-1"], 2)
    assert _keys(api, agent, f"queue=all&assigneeId={agent.id}") == (["AM-3"], 1)
    assert _keys(api, agent, "queue=all&organizationId=7") == (["AM-1"], 1)
    assert _keys(api, agent, "queue=all&status=Waiting for customer") == (["AM-2"], 1)
    assert _keys(api, agent, "queue=all&sort=key") == (["AM-1", "AM-2", "AM-3"], 3)
    assert _keys(api, agent, "queue=all&sort=-summary") == (["AM-3", "AM-1", "AM-2"], 3)
    keys, total = _keys(api, agent, "queue=all&sort=key&start=1&limit=1")
    assert (keys, total) == (["AM-2"], 3)
    counts = api.get("/api/tickets/queues/counts?serviceDeskId=1", agent).json["counts"]
    assert counts["all"] == counts["open"] == 3 and counts["unassigned"] == 2 and counts["mine"] == 1
    # A queue's page is written with its values in its SQL: quotes and backslashes stay values.
    for odd in ("o'brien", "x'); DROP TABLE tickets; --", "back\\slash'"):
        assert _keys(api, agent, "queue=all&assigneeId=" + quote(odd)) == ([], 0), odd
        assert _keys(api, agent, "queue=all&query=" + quote(odd)) == ([], 0), odd
    assert _keys(api, agent, "queue=all") == (["AM-2", "AM-3", "AM-1"], 3)
    for bad in ("sort=colour", "status=Lost", "requestTypeId=x", "queue=nope", f"query={'q' * 201}"):
        assert api.get(f"/api/tickets/queues?serviceDeskId=1&{bad}", agent).status_code == 400, bad
    assert api.get("/api/tickets/queues/counts?serviceDeskId=1", alice).status_code == 403
    assert api.get("/api/tickets/queues/counts?serviceDeskId=2", person(role="agent", desks=[1])).status_code == 404


def test_the_customer_context_names_the_organisations_and_other_requests(api, person, organizations):
    organizations(7)
    alice, agent = person(orgs=[7]), person(role="agent")
    for n in range(3):
        api.create(alice, summary=f"Request {n}")
    context = api.get("/api/tickets/requests/AM-2/context", agent).json
    assert context["reporter"]["accountId"] == alice.id
    assert [o["name"] for o in context["organizations"]] == ["Org 7"]
    assert [r["issueKey"] for r in context["recentRequests"]] == ["AM-3", "AM-1"]
    assert api.get("/api/tickets/requests/AM-2/context", alice).status_code == 403


def test_agents_edit_summary_description_and_fields_and_the_history_keeps_it(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "on it"})
    edited = api.patch("/api/tickets/requests/AM-1", agent, {
        "summary": "Player crashes on start", "requestFieldValues": {"impact": "low"}})
    assert edited.status_code == 200, edited.json
    values = {v["fieldId"]: v["value"] for v in edited.json["requestFieldValues"]}
    assert values["summary"] == "Player crashes on start" and values["impact"]["id"] == "low"
    history = api.get("/api/tickets/requests/AM-1/history", agent).json["values"]
    assert [(e["field"], e["from"], e["to"]) for e in history if e["kind"] == "field"] == [
        ("summary", "Player is broken", "Player crashes on start"), ("impact", "high", "low")]
    refused = api.patch("/api/tickets/requests/AM-1", agent, {"requestFieldValues": {"impact": "enormous", "x": "1"}})
    assert refused.status_code == 400
    assert set(refused.json["errors"]) == {"requestFieldValues.impact", "requestFieldValues.x"}


def test_bulk_assigns_and_moves_each_request_in_its_own_transaction(api, person):
    alice, agent, other = person(), person(role="agent"), person(role="agent")
    for _ in range(3):
        api.create(alice)
    api.post(f"{API}/request/AM-3/transition", agent, {"id": "7"})  # Canceled: "start progress" is refused
    answer = api.post("/api/tickets/bulk", agent, {"issueKeys": ["AM-1", "AM-3", "AM-9", "AM-2"],
                                                   "assignee": other.email, "transition": "1"})
    assert answer.status_code == 200, answer.json
    statuses = {r["issueKey"]: r["status"] for r in answer.json["results"]}
    assert statuses == {"AM-1": 200, "AM-3": 409, "AM-9": 404, "AM-2": 200}
    assert (answer.json["changed"], answer.json["failed"]) == (2, 2)
    for key in ("AM-1", "AM-2"):
        detail = api.get(f"/api/tickets/requests/{key}", agent).json
        assert detail["assignee"]["accountId"] == other.id and detail["status"] == "In progress"
    # AM-3's refused move took its assignment with it: one transaction per request.
    assert api.get("/api/tickets/requests/AM-3", agent).json["assignee"] is None
    unassigned = api.post("/api/tickets/bulk", agent, {"issueKeys": ["AM-1"], "assignee": None})
    assert unassigned.json["results"] == [{"issueKey": "AM-1", "status": 200}]
    assert api.post("/api/tickets/bulk", alice, {"issueKeys": ["AM-1"], "assignee": None}).status_code == 403
    assert api.post("/api/tickets/bulk", agent, {"issueKeys": ["AM-1"]}).status_code == 400
    assert api.post("/api/tickets/bulk", agent, {"issueKeys": []}).status_code == 400


def test_the_history_names_the_people_and_organisations_it_mentions(api, person, organizations):
    organizations(7)
    alice, bob, agent = person(orgs=[7]), person(orgs=[7]), person(role="agent")
    api.create(alice, values={"organizations": []})
    api.post(f"{API}/request/AM-1/participant", agent, {"accountIds": [bob.id]})
    api.delete(f"{API}/request/AM-1/participant", agent, {"accountIds": [bob.id]})
    api.put("/api/tickets/requests/AM-1/assignee", agent, {"accountId": agent.id})
    api.post("/api/tickets/requests/AM-1/organizations", agent, {"add": [7]})
    entries = api.get("/api/tickets/requests/AM-1/history", agent).json["values"]
    named = [(e["kind"], (e.get("toNamed") or e.get("fromNamed") or {})) for e in entries[2:]]
    assert [(k, (n.get("user") or n.get("organization"))["displayName" if "user" in n else "name"])
            for k, n in named] == [("participant_added", bob.email.split("@")[0].title()),
                                   ("participant_removed", bob.email.split("@")[0].title()),
                                   ("assignee", agent.email.split("@")[0].title()), ("shared", "Org 7")]
