"""The visibility truth table, checked on every read path of the API and on the list SQL."""
import pytest

from common.db import transaction
from tickets.domain.visibility import REQUEST_CASES, Viewer
from tickets.replica import HANDLERS
from tickets.store.accounts import AccountRepository
from tickets.store.desks import DeskRepository
from tickets.store.queries import RequestFilter
from tickets.store.tickets import TicketRepository

API = "/rest/servicedeskapi"
ORG_IDS = {"org1": 1, "org2": 2, "org12": 12}
READS = ("", "/status", "/comment", "/transition", "/participant", "/notification")


def build_case(case, api, person, organizations):
    organizations(1, 2, 12)
    # The ticket is on AM (desk 1); an agent of another desk works on TV only.
    viewer = person(role=case.role, orgs=[ORG_IDS[o] for o in case.member_of],
                    desks=(1,) if case.desk_agent else (2,))
    agent = person(role="agent")
    reporter = viewer if case.reporter else person()
    participants = [viewer.id] if case.participant else []
    created = api.create(agent, raiseOnBehalfOf=reporter.id, requestParticipants=participants,
                         values={"organizations": [ORG_IDS[o] for o in case.shared_with]})
    assert created.status_code == 201, created.json
    # A second, unrelated private ticket must never show up.
    api.create(agent, raiseOnBehalfOf=person().id, values={"organizations": []})
    return viewer, created.json["issueKey"]


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.name)
def test_every_read_path_follows_the_truth_table(case, api, person, organizations):
    viewer, key = build_case(case, api, person, organizations)
    for suffix in READS:
        status = api.get(f"{API}/request/{key}{suffix}", viewer).status_code
        assert status == (200 if case.visible else 404), suffix
    listed = api.get(f"{API}/request?requestOwnership=ALL_REQUESTS", viewer).json["values"]
    assert (key in [r["issueKey"] for r in listed]) is case.visible
    searched = api.get(f"{API}/request?requestOwnership=ALL_REQUESTS&searchTerm=broken", viewer).json["values"]
    assert (key in [r["issueKey"] for r in searched]) is case.visible
    if case.role == "customer":
        default = [r["issueKey"] for r in api.get(f"{API}/request", viewer).json["values"]]
        assert (key in default) is case.visible
        assert api.post(f"{API}/request/{key}/comment", viewer, {"body": "hi"}).status_code == (
            201 if case.visible else 404)


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: c.name)
def test_the_list_sql_follows_the_truth_table(case, api, app, person, organizations):
    viewer, key = build_case(case, api, person, organizations)
    with transaction(app.extensions["tickets.session_factory"]) as session:
        orgs = AccountRepository(session).organization_ids(viewer.id)
        desks = DeskRepository(session).agent_desk_ids(viewer.id)
        found, _ = TicketRepository(session).search(
            Viewer(viewer.id, viewer.role, orgs, desks), RequestFilter(ownership=("ALL_REQUESTS",)), 0, 50)
    assert (key in [t.key for t in found]) is case.visible


def test_removing_a_member_from_the_organisation_removes_their_view(api, app, person, organizations):
    from common.events import CloudEvent, event_type

    organizations(1)
    alice, bob = person(orgs=[1]), person(orgs=[1])
    api.create(alice)
    assert api.get(f"{API}/request/AM-1", bob).status_code == 200
    event = CloudEvent(type=event_type("organisation.member_removed"), source="/servicedesk/identity",
                       data={"organizationId": "1", "accountId": bob.id})
    with transaction(app.extensions["tickets.session_factory"]) as session:
        HANDLERS[event.routing_key](session, event)
    assert api.get(f"{API}/request/AM-1", bob).status_code == 404
    assert api.get(f"{API}/request?requestOwnership=ALL_ORGANIZATIONS", bob).json["values"] == []
    assert api.get(f"{API}/request/AM-1", alice).status_code == 200


def test_organisation_filter_never_reveals_another_organisations_requests(api, person, organizations):
    organizations(1, 2)
    alice, dave = person(orgs=[1]), person(orgs=[2])
    api.create(alice)
    assert api.get(f"{API}/request?requestOwnership=ORGANIZATION&organizationId=1", dave).json["values"] == []
    mine = api.get(f"{API}/request?requestOwnership=ORGANIZATION&organizationId=1", alice).json["values"]
    assert [r["issueKey"] for r in mine] == ["AM-1"]


def test_list_filters_and_order(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice, summary="First problem")
    api.create(alice, summary="Second problem")
    api.post(f"{API}/request/AM-1/comment", alice, {"body": "bump"})
    keys = lambda q="": [r["issueKey"] for r in api.get(f"{API}/request{q}", alice).json["values"]]  # noqa: E731
    assert keys() == ["AM-1", "AM-2"]
    assert keys("?searchTerm=second") == ["AM-2"]
    api.post(f"{API}/request/AM-2/transition", agent, {"id": "4"})
    assert keys("?requestStatus=CLOSED_REQUESTS") == ["AM-2"]
    assert keys("?requestStatus=OPEN_REQUESTS") == ["AM-1"]
    assert keys("?serviceDeskId=2") == []
    page = api.get(f"{API}/request?limit=1", alice).json
    assert page["size"] == 1 and page["isLastPage"] is False
    assert api.get(f"{API}/request?requestStatus=NOPE", alice).status_code == 400
