"""The walking-skeleton flow through the JSM API on PostgreSQL."""
from .conftest import outbox_events

API = "/rest/servicedeskapi"


def test_info_answers_without_a_token(api):
    response = api.client.get(f"{API}/info")
    assert response.status_code == 200
    assert response.json["isLicensedForUse"] is True


def test_requests_need_a_token(api):
    assert api.client.get(f"{API}/servicedesk").status_code == 401


def test_a_customer_raises_am_1_and_an_agent_reply_makes_it_wait_for_the_customer(api, app, person):
    alice, agent = person("alice@example.com"), person("agent@example.com", role="agent")
    desks = api.get(f"{API}/servicedesk", alice).json["values"]
    assert [d["projectKey"] for d in desks] == ["AM", "TV", "RA"]
    types = api.get(f"{API}/servicedesk/1/requesttype", alice).json["values"]
    incident = next(t for t in types if t["name"] == "Incident")

    created = api.create(alice, rt=int(incident["id"]))
    assert created.status_code == 201, created.json
    assert created.json["issueKey"] == "AM-1"
    assert created.json["currentStatus"]["status"] == "Waiting for support"
    assert created.json["reporter"]["emailAddress"] == "alice@example.com"

    reply = api.post(f"{API}/request/AM-1/comment", agent, {"body": "Which player version?", "public": True})
    assert reply.status_code == 201
    history = api.get(f"{API}/request/AM-1/status", alice).json["values"]
    assert [h["status"] for h in history] == ["Waiting for customer", "Waiting for support"]

    events = outbox_events(app)
    assert [e["routing_key"] for e in events] == [
        "ticket.created.v1", "ticket.commented.v1", "ticket.status_changed.v1"]
    assert events[0]["data"]["audience"] == {"customers": [], "agents": [agent.id]}
    assert events[1]["data"]["audience"] == {"customers": [alice.id], "agents": []}
    assert events[2]["data"]["toStatus"] == "Waiting for customer"
    assert events[2]["type"] == "servicedesk.ticket.status_changed.v1"

    answer = api.post(f"{API}/request/AM-1/comment", alice, {"body": "3.2.1"})
    assert answer.status_code == 201
    assert api.get(f"{API}/request/AM-1", alice).json["currentStatus"]["status"] == "Waiting for support"


def test_keys_are_per_desk(api, person):
    alice = person()
    assert api.create(alice).json["issueKey"] == "AM-1"
    assert api.create(alice, desk="2", rt=None).status_code == 400
    tv_incident = api.get("/rest/servicedeskapi/servicedesk/TV/requesttype", alice).json["values"][0]["id"]
    assert api.create(alice, desk="2", rt=tv_incident).json["issueKey"] == "TV-1"
    assert api.create(alice).json["issueKey"] == "AM-2"


def test_a_jsm_client_may_send_only_summary_and_description(api, person):
    body = {"serviceDeskId": 1, "requestTypeId": "1", "requestFieldValues": {"summary": "s", "description": "d"}}
    assert api.post(f"{API}/request", person(), body).status_code == 201


def test_a_bad_request_names_each_bad_field(api, person):
    response = api.create(person(), summary="", values={"impact": "huge", "colour": "red"})
    assert response.status_code == 400
    message = response.json["errorMessage"]
    for name in ("requestFieldValues.summary", "requestFieldValues.impact", "requestFieldValues.colour"):
        assert name in message


def test_an_unknown_desk_or_request_type_is_a_400(api, person):
    alice = person()
    unknown_desk = api.create(alice, desk="99")
    assert unknown_desk.status_code == 400
    assert "Service desk '99'" in unknown_desk.json["errorMessage"]
    unknown_type = api.create(alice, rt="999")
    assert unknown_type.status_code == 400
    assert "Request type '999'" in unknown_type.json["errorMessage"]


def test_sharing_defaults_to_the_only_organisation_and_can_be_private(api, person, app):
    one_org = person(orgs=[5])
    two_orgs = person(orgs=[5, 6])
    api.create(one_org)
    api.create(two_orgs)
    api.create(one_org, values={"organizations": []})
    shared = [e["data"]["organizationIds"] for e in outbox_events(app)]
    assert shared == [["5"], [], []]
    refused = api.create(two_orgs, values={"organizations": [7]})
    assert refused.status_code == 400
    assert "requestFieldValues.organizations" in refused.json["errorMessage"]


def test_customers_see_and_create_public_comments_only(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    assert api.post(f"{API}/request/AM-1/comment", agent, {"body": "internal", "public": False}).status_code == 201
    assert api.post(f"{API}/request/AM-1/comment", alice, {"body": "psst", "public": False}).status_code == 403
    assert [c["body"] for c in api.get(f"{API}/request/AM-1/comment", alice).json["values"]] == []
    assert [c["body"] for c in api.get(f"{API}/request/AM-1/comment", agent).json["values"]] == ["internal"]
    assert api.get(f"{API}/request/AM-1/comment/1", alice).status_code == 404
    assert api.get(f"{API}/request/AM-1", alice).json["currentStatus"]["status"] == "Waiting for support"


def test_transitions_listed_are_those_the_caller_may_perform(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    assert [t["name"] for t in api.get(f"{API}/request/AM-1/transition", alice).json["values"]] == ["Close request"]
    agent_moves = {t["id"]: t["name"] for t in api.get(f"{API}/request/AM-1/transition", agent).json["values"]}
    assert "Resolve" in agent_moves.values()
    assert api.post(f"{API}/request/AM-1/transition", alice, {"id": "4"}).status_code == 403
    resolve = api.post(f"{API}/request/AM-1/transition", agent,
                       {"id": "4", "additionalComment": {"body": "Fixed in 3.2.2"}})
    assert resolve.status_code == 204
    reopen = api.post(f"{API}/request/AM-1/transition", alice, {"id": 6, "additionalComment": {"body": None}})
    assert reopen.status_code == 204
    close = api.post(f"{API}/request/AM-1/transition", alice, {"id": "5"})
    assert close.status_code == 204
    assert api.post(f"{API}/request/AM-1/transition", alice, {"id": "5"}).status_code in (403, 409)
    assert api.get(f"{API}/request/AM-1/status", alice).json["values"][0]["status"] == "Closed"


def test_participants_by_email_or_id_and_unknown_people_are_a_400(api, person, organizations):
    organizations(1)
    alice, bob, carol = person(orgs=[1]), person(), person(orgs=[1])
    api.create(alice, values={"organizations": []})
    added = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": [bob.email], "accountIds": [carol.id]})
    assert added.status_code == 200
    assert {u["accountId"] for u in added.json["values"]} == {bob.id, carol.id}
    assert api.get(f"{API}/request/AM-1", bob).status_code == 200
    unknown = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": ["nobody@example.com"]})
    assert unknown.status_code == 400
    removed = api.delete(f"{API}/request/AM-1/participant", bob, {"accountIds": [carol.id]})
    assert [u["accountId"] for u in removed.json["values"]] == [bob.id]
    assert api.get(f"{API}/request/AM-1", carol).status_code == 404


def test_a_fresh_account_works_before_its_identity_event_arrives(api, tokens):
    from .conftest import Person

    newcomer = Person(tokens, "new@example.com")
    assert api.create(newcomer).status_code == 201
    assert api.get(f"{API}/request/AM-1", newcomer).json["reporter"]["emailAddress"] == "new@example.com"


def test_requesttypeid_may_be_a_string_or_a_number(api, person):
    alice = person()
    assert api.create(alice, rt="1").status_code == 201
    assert api.create(alice, rt=1).status_code == 201


def test_muting_removes_the_reader_from_the_audience(api, person, app):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    assert api.get(f"{API}/request/AM-1/notification", alice).json == {"subscribed": True}
    assert api.delete(f"{API}/request/AM-1/notification", alice).status_code == 204
    assert api.get(f"{API}/request/AM-1/notification", alice).json == {"subscribed": False}
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "hello"})
    assert outbox_events(app)[-2]["data"]["audience"]["customers"] == []


def test_agent_queues(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    api.create(alice, summary="second")
    assert api.put("/api/tickets/requests/AM-2/assignee", agent, {"accountId": agent.email}).status_code == 200
    q = lambda name: [v["issueKey"] for v in api.get(  # noqa: E731
        f"/api/tickets/queues?serviceDeskId=1&queue={name}", agent).json["values"]]
    assert q("unassigned") == ["AM-1"]
    assert q("mine") == ["AM-2"]
    assert q("waiting") == []  # waiting for the customer: nothing has been answered yet
    api.post("/rest/servicedeskapi/request/AM-1/comment", agent, {"body": "Which version?"})
    assert q("waiting") == ["AM-1"]
    assert api.get("/api/tickets/queues?serviceDeskId=1&queue=open", alice).status_code == 403


def test_the_reporter_edits_while_waiting_for_support(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    assert api.patch("/api/tickets/requests/AM-1", alice, {"summary": "Player crashes"}).status_code == 200
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "on it"})
    assert api.patch("/api/tickets/requests/AM-1", alice, {"summary": "again"}).status_code == 409


def test_the_jira_issue_resource_serves_the_prefetch(api, person):
    alice = person()
    api.create(alice)
    issue = api.get("/rest/api/2/issue/AM-1", alice).json
    assert issue["key"] == "AM-1"
    assert issue["fields"]["summary"] == "Player is broken"


def test_people_search_offers_the_organisations_and_the_desks_customers(api, person, organizations):
    organizations(1)
    alice = person("alice@example.com", orgs=[1])
    person("bob@example.com", orgs=[1])
    bobby = person("bobby@elsewhere.com")
    agent = person(role="agent")

    def found(who, desk=""):
        answer = api.get(f"/api/tickets/people?query=bob&serviceDeskId={desk}", who)
        assert answer.status_code == 200, answer.json
        return [u["emailAddress"] for u in answer.json["values"]]

    assert found(alice) == found(alice, "1") == ["bob@example.com"]
    # The desk's agents find the desk's customers: bobby once he has raised a request there.
    assert found(agent, "1") == []
    api.create(bobby)
    assert found(agent, "1") == ["bobby@elsewhere.com"]
    assert found(alice, "1") == ["bob@example.com"]
    assert api.patch("/api/tickets/desks/1", person(role="admin"), {"customerSharing": "desk"}).status_code == 200
    assert found(alice, "1") == ["bob@example.com", "bobby@elsewhere.com"]
    assert found(alice, "2") == ["bob@example.com"]
    assert api.get("/api/tickets/people?query=b", alice).status_code == 400


def test_participants_may_be_named_by_a_unique_display_name_the_search_offers(api, person, organizations):
    organizations(1)
    alice, bob = person(orgs=[1]), person("bob.martin@example.com", orgs=[1])
    dave, agent = person("dave.example@example.com"), person("alex.agent@example.com", role="agent")
    api.create(alice)
    added = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": ["Bob.Martin"]})
    assert [u["accountId"] for u in added.json["values"]] == [bob.id]
    # Names the search would not offer are unknown, exactly like names nobody has.
    for name in ("Dave.Example", "Alex.Agent", "Nobody At All"):
        refused = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": [name]})
        assert refused.status_code == 400 and refused.json["errorMessage"].startswith(f"Unknown person: {name}.")
        assert dave.id not in refused.get_data(as_text=True) and agent.id not in refused.get_data(as_text=True)


def test_the_history_keeps_every_change_and_hides_internal_notes_from_customers(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "note", "public": False})
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "reply"})
    kinds = lambda who: [(e["kind"], e["to"]) for e in api.get(  # noqa: E731
        "/api/tickets/requests/AM-1/history", who).json["values"]]
    assert kinds(agent) == [("created", None), ("status", "Waiting for support"), ("comment", "internal"),
                            ("comment", "public"), ("status", "Waiting for customer")]
    assert ("comment", "internal") not in kinds(alice)


def test_nul_characters_and_oversized_ids_are_400s_naming_the_input(api, person):
    agent = person(role="agent")
    created = api.create(agent, summary="Broken\u0000player")
    assert created.status_code == 400
    assert "requestFieldValues.summary" in created.get_json()["errorMessage"]
    for desk in (7387677510, "99999999999"):
        assert api.create(agent, desk=desk).status_code in (400, 404)
    assert api.get("/rest/servicedeskapi/servicedesk/99999999999", agent).status_code == 404
    assert api.get("/rest/servicedeskapi/request/1/comment/99999999999", agent).status_code == 404
    search = api.get("/rest/servicedeskapi/request?searchTerm=a%00b", agent)
    assert search.status_code == 400 and "'searchTerm'" in search.get_json()["errorMessage"]
    for path in ("/api/tickets/queues?serviceDeskId=17362996424309326",
                 "/rest/servicedeskapi/request?organizationId=99999999999",
                 "/rest/servicedeskapi/request?start=10000000000000000001"):
        response = api.get(path, agent)
        assert response.status_code == 400, path
        assert "between" in response.get_json()["errorMessage"], path
