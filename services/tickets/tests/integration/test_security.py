"""Security cases from peer advisories (peer-lessons §4.4) that apply to tickets.

IDOR on every ticket endpoint by key and by numeric id, internal notes on every path, nested ids in
payloads authorised one by one, side actions needing the right role, lists that reveal nothing.
"""
import pytest

from .conftest import outbox_events

API = "/rest/servicedeskapi"
NATIVE = "/api/tickets"


def _endpoints(ref):
    return [
        ("get", f"{API}/request/{ref}", None),
        ("get", f"{API}/request/{ref}?expand=comment,participant,status", None),
        ("get", f"{API}/request/{ref}/status", None),
        ("get", f"{API}/request/{ref}/comment", None),
        ("get", f"{API}/request/{ref}/comment/1", None),
        ("post", f"{API}/request/{ref}/comment", {"body": "hi"}),
        ("get", f"{API}/request/{ref}/transition", None),
        ("post", f"{API}/request/{ref}/transition", {"id": "5"}),
        ("get", f"{API}/request/{ref}/participant", None),
        ("post", f"{API}/request/{ref}/participant", {"accountIds": ["x"]}),
        ("delete", f"{API}/request/{ref}/participant", {"accountIds": ["x"]}),
        ("get", f"{API}/request/{ref}/notification", None),
        ("put", f"{API}/request/{ref}/notification", None),
        ("delete", f"{API}/request/{ref}/notification", None),
        ("get", f"{NATIVE}/requests/{ref}", None),
        ("get", f"{NATIVE}/requests/{ref}/history", None),
        ("patch", f"{NATIVE}/requests/{ref}", {"summary": "mine now"}),
        ("put", f"{NATIVE}/requests/{ref}/assignee", {"accountId": None}),
        ("post", f"{NATIVE}/requests/{ref}/organizations", {"add": [], "remove": []}),
        ("get", f"/rest/api/2/issue/{ref}", None),
    ]


@pytest.mark.parametrize("ref", ["AM-1", "1", "am-1"])
def test_another_customers_or_desks_request_is_a_404_on_every_endpoint(api, app, person, ref):
    alice, mallory, tv_agent = person(), person(), person(role="agent", desks=(2,))
    api.create(alice)
    api.post(f"{API}/request/AM-1/comment", alice, {"body": "secret detail"})
    before = len(outbox_events(app))
    for who in (mallory, tv_agent):
        for method, path, body in _endpoints(ref):
            answer = getattr(api, method)(path, who, json=body) if body is not None or method != "get" \
                else api.get(path, who)
            assert answer.status_code == 404, (who.role, method, path, answer.status_code)
            assert "secret" not in answer.get_data(as_text=True)
    assert len(outbox_events(app)) == before  # nothing happened
    assert api.get(f"{API}/request/AM-1", alice).json["requestFieldValues"][0]["value"] == "Player is broken"


def test_internal_notes_never_reach_customers(api, app, person, organizations):
    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(orgs=[1]), person(role="agent")
    api.create(alice, values={"organizations": [1]})
    api.put(f"{API}/request/AM-1/notification", bob)
    note = api.post(f"{API}/request/AM-1/comment", agent, {"body": "internal only", "public": False}).json
    for who in (alice, bob):
        for path in (f"{API}/request/AM-1/comment", f"{API}/request/AM-1/comment?internal=true&public=false",
                     f"{API}/request/AM-1?expand=comment", f"{API}/request?expand=comment",
                     f"{NATIVE}/requests/AM-1/history", f"{NATIVE}/requests/AM-1"):
            answer = api.get(path, who)
            assert answer.status_code == 200 and "internal only" not in answer.get_data(as_text=True), path
        assert api.get(f"{API}/request/AM-1/comment/{note['id']}", who).status_code == 404
    assert api.post(f"{API}/request/AM-1/comment", alice, {"body": "x", "public": False}).status_code == 403
    (event,) = [e for e in outbox_events(app) if e["routing_key"] == "ticket.commented.v1"]
    assert event["data"]["public"] is False and event["data"]["audience"]["customers"] == []
    # A note moves no status, so no other event carries its text.
    others = [e for e in outbox_events(app) if e["routing_key"] != "ticket.commented.v1"]
    assert others and all("internal only" not in str(e["data"]) for e in others)


def test_ids_nested_in_payloads_are_authorised_one_by_one(api, person, organizations):
    organizations(1, 2)
    alice, dave, agent = person(orgs=[1]), person(orgs=[2]), person(role="agent")
    shared = api.create(alice, values={"organizations": [2]})
    assert shared.status_code == 400 and "organisation 2" in shared.json["errorMessage"]
    assert api.create(alice, raiseOnBehalfOf=dave.id).status_code == 403
    assert api.create(alice, requestParticipants=["ghost@example.com"]).status_code == 400
    assert api.create(alice, desk="99").status_code == 400
    assert api.create(alice, rt="4").status_code == 400  # a request type of another desk
    api.create(alice)
    assert api.post(f"{NATIVE}/requests/AM-1/organizations", alice, {"add": [2]}).status_code == 400
    assert api.get(f"{API}/request?requestOwnership=ORGANIZATION&organizationId=2", alice).json["values"] == []
    # Customers find only members of their own organisations.
    assert [u["accountId"] for u in api.get(f"{NATIVE}/people?query=example", alice).json["values"]] == [alice.id]
    assert api.create(agent, raiseOnBehalfOf=dave.id).status_code == 201


def test_side_actions_need_the_right_role(api, person, organizations):
    organizations(1)
    alice, bob, carol = person(orgs=[1]), person(orgs=[1]), person()
    api.create(alice, values={"organizations": [1]})
    # bob sees the request through his organisation but is neither reporter nor participant.
    assert api.get(f"{API}/request/AM-1", bob).status_code == 200
    assert api.post(f"{API}/request/AM-1/participant", bob, {"accountIds": [carol.id]}).status_code == 403
    assert api.post(f"{NATIVE}/requests/AM-1/organizations", bob, {"remove": [1]}).status_code == 403
    assert api.patch(f"{NATIVE}/requests/AM-1", bob, {"summary": "changed"}).status_code == 403
    assert api.put(f"{NATIVE}/requests/AM-1/assignee", alice, {"accountId": alice.id}).status_code in (400, 403)
    assert api.post(f"{API}/request/AM-1/transition", bob, {"id": "1"}).status_code == 403
    assert api.post(f"{API}/servicedesk/1/organization", alice, {"organizationId": 1}).status_code == 403
    assert api.get(f"{API}/servicedesk/1/customer", alice).status_code == 403
    assert api.get(f"{NATIVE}/desks/1/agents", alice).status_code == 403


def test_lists_reveal_no_totals_and_nothing_invisible(api, person):
    alice, mallory = person(), person()
    for _ in range(3):
        api.create(alice)
    page = api.get(f"{API}/request?limit=1&requestOwnership=ALL_REQUESTS", mallory).json
    assert page["values"] == [] and page["isLastPage"] is True and "total" not in page
    assert api.get(f"{API}/request?searchTerm=AM-1", mallory).json["values"] == []
    assert "total" not in api.get(f"{API}/request?limit=1", alice).json
