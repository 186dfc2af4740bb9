"""JSM details a client relies on: paging links, ownership values, search semantics, expansions,
operations we do not serve, and the desk list agreeing with the desk rule."""
import pytest
from sqlalchemy import insert, text

from common.db import transaction
from tickets.domain.visibility import DESK_TABLE
from tickets.store.tables import desk_customers

API = "/rest/servicedeskapi"


def _tv_incident(api, who) -> str:
    return api.get(f"{API}/servicedesk/2/requesttype", who).json["values"][0]["id"]


def test_following_next_of_a_filtered_list_keeps_the_filter(api, person):
    alice = person()
    for n in range(3):
        api.create(alice, summary=f"AM {n}")
        api.create(alice, summary=f"TV {n}", desk="2", rt=_tv_incident(api, alice))
    first = api.get(f"{API}/request?serviceDeskId=1&requestStatus=OPEN_REQUESTS&limit=2", alice).json
    assert [r["issueKey"] for r in first["values"]] == ["AM-3", "AM-2"]
    links = first["_links"]
    assert "serviceDeskId=1" in links["self"] and "requestStatus=OPEN_REQUESTS" in links["self"]
    assert "start=0" in links["self"] and "limit=2" in links["self"]
    following = links["next"].split("/rest/servicedeskapi", 1)[1]
    second = api.get(f"{API}{following}", alice).json
    assert [r["issueKey"] for r in second["values"]] == ["AM-1"]
    assert "serviceDeskId=1" in second["_links"]["prev"] and "start=0" in second["_links"]["prev"]


def test_approver_ownership_answers_an_empty_page(api, person):
    alice = person()
    api.create(alice)
    answer = api.get(f"{API}/request?requestOwnership=APPROVER", alice)
    assert answer.status_code == 200, answer.json
    assert answer.json["values"] == [] and answer.json["isLastPage"] is True
    both = api.get(f"{API}/request?requestOwnership=APPROVER,OWNED_REQUESTS", alice).json
    assert [r["issueKey"] for r in both["values"]] == ["AM-1"]


@pytest.mark.parametrize("term,found", [
    ("print*", ["AM-1", "AM-2"]),
    ("Print*", ["AM-1", "AM-2"]),
    ("printer fire", ["AM-1"]),
    ("fire printer", ["AM-1"]),
    ("printer   on", ["AM-1"]),
    ("print* jam", ["AM-2"]),
    ("scanner", []),
    ("am-3", ["AM-3"]),
    ("50%", []),
])
def test_search_term_takes_wildcards_and_words_in_any_order(api, person, term, found):
    alice = person()
    for summary in ("Printer is on fire", "Printing jam again", "Screen flickers"):
        api.create(alice, summary=summary)
    answer = api.get(f"{API}/request", alice, query_string={"searchTerm": term})
    assert answer.status_code == 200, answer.json
    assert sorted(r["issueKey"] for r in answer.json["values"]) == found


def test_comments_render_their_body_when_asked(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "Try **this**\n<script>alert(1)</script>"})
    plain = api.get(f"{API}/request/AM-1/comment", alice).json["values"][0]
    assert "renderedBody" not in plain
    listed = api.get(f"{API}/request/AM-1/comment?expand=renderedBody", alice).json["values"][0]
    html = listed["renderedBody"]["html"]
    assert "<strong>this</strong>" in html and "<script>" not in html
    one = api.get(f"{API}/request/AM-1/comment/{listed['id']}?expand=renderedBody,attachment", alice).json
    assert one["renderedBody"]["html"] == html and "attachments" in one


def test_request_types_carry_their_fields_when_asked(api, person, organizations):
    organizations(1)
    alice = person(orgs=[1])
    plain = api.get(f"{API}/servicedesk/1/requesttype/1", alice).json
    assert "fields" not in plain
    one = api.get(f"{API}/servicedesk/1/requesttype/1?expand=field", alice).json
    listed = api.get(f"{API}/servicedesk/1/requesttype?expand=field", alice).json["values"][0]
    separate = api.get(f"{API}/servicedesk/1/requesttype/1/field", alice).json
    assert one["fields"] == listed["fields"] == separate
    assert any(f["fieldId"] == "summary" and f["required"] for f in one["fields"]["requestTypeFields"])


@pytest.mark.parametrize("method,path", [
    ("GET", "/request/AM-1/sla"),
    ("GET", "/request/AM-1/approval"),
    ("POST", "/request/AM-1/feedback"),
    ("GET", "/servicedesk/1/queue"),
    ("GET", "/servicedesk/1/queue/3/issue"),
    ("GET", "/knowledgebase/article"),
    ("PUT", "/servicedesk/1/requesttype/1/property/colour"),
    ("GET", "/requesttype"),
])
def test_operations_of_the_jsm_document_we_do_not_serve_answer_501(api, person, method, path):
    alice = person()
    api.create(alice)
    answer = api.client.open(f"{API}{path}", method=method, headers=alice.headers, json={})
    assert answer.status_code == 501, answer.get_data(as_text=True)
    assert answer.is_json and set(answer.json) == {"errorMessage", "i18nErrorMessage"}
    assert "does not implement" in answer.json["errorMessage"]


def test_a_path_outside_the_document_is_a_jsm_404_and_a_wrong_method_a_405(api, person):
    alice = person()
    missing = api.get(f"{API}/no/such/thing", alice)
    assert missing.status_code == 404 and set(missing.json) == {"errorMessage", "i18nErrorMessage"}
    wrong = api.put(f"{API}/request", alice, {})
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    assert set(wrong.json) == {"errorMessage", "i18nErrorMessage"}
    # A request that does not exist stays a 404, so clients can tell it from "not implemented".
    assert api.get(f"{API}/request/AM-404", alice).status_code == 404


def _set_up_desk(app, case, person):
    """Desk 2 (TV) with the case's settings, and the case's viewer."""
    engine = app.extensions["tickets.engine"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE service_desks SET active = :a, restricted = :r WHERE id = 2"),
                     {"a": case.active, "r": case.restricted})
    who = person(role=case.role, desks=(2,) if case.desk_agent else (1,))
    if case.desk_customer:
        with transaction(app.extensions["tickets.session_factory"]) as session:
            session.execute(insert(desk_customers).values(desk_id=2, account_id=who.id))
    return who


@pytest.mark.parametrize("case", DESK_TABLE, ids=lambda c: c.name)
def test_the_desk_list_the_desk_and_raising_on_it_follow_the_desk_table(api, app, person, case):
    who = _set_up_desk(app, case, person)
    listed = {d["projectKey"] for d in api.get(f"{API}/servicedesk", who).json["values"]}
    assert ("TV" in listed) is case.usable, listed
    assert (api.get(f"{API}/servicedesk/2", who).status_code == 200) is case.usable
    native = api.get("/api/tickets/desks/2", who)
    assert (native.status_code == 200) is case.usable, native.json
    if case.usable:  # its settings only for who works on it
        assert ("emailAddress" in native.json) is (case.desk_agent or case.role == "admin"), native.json
    raised = api.create(who, desk="2", rt="4", summary="On TV")
    assert (raised.status_code == 201) is case.usable, raised.json


def test_an_agent_of_am_lists_and_uses_tv_as_its_customers_do_but_works_only_am(api, person):
    agent = person(role="agent", desks=(1,))
    assert [d["projectKey"] for d in api.get(f"{API}/servicedesk", agent).json["values"]] == ["AM", "TV", "RA"]
    assert api.create(agent, desk="2", rt="4").json["issueKey"] == "TV-1"
    worked = api.get("/api/tickets/desks", agent).json["values"]
    assert [d["projectKey"] for d in worked] == ["AM"]
    assert api.get("/api/tickets/queues?serviceDeskId=2", agent).status_code == 404


# -- issue 12: wrong answers of the service ------------------------------------------------------
def test_the_waiting_for_customer_queue_holds_what_waits_for_the_customer(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice, summary="Answered")
    api.create(alice, summary="Not yet answered")
    api.post(f"{API}/request/AM-1/comment", agent, {"body": "Which version?"})
    waiting = api.get("/api/tickets/queues?serviceDeskId=1&queue=waiting", agent).json["values"]
    assert [r["issueKey"] for r in waiting] == ["AM-1"]
    assert waiting[0]["currentStatus"]["status"] == "Waiting for customer"


def test_an_organisation_member_is_subscribed_only_after_opting_in(api, person, organizations):
    organizations(1)
    alice, bob = person(orgs=[1]), person(orgs=[1])
    api.create(alice, values={"organizations": [1]})
    detail = api.get("/api/tickets/requests/AM-1", bob).json
    assert detail["subscribed"] is False
    assert api.get(f"{API}/request/AM-1/notification", bob).json == {"subscribed": False}
    assert api.put(f"{API}/request/AM-1/notification", bob).status_code == 204
    assert api.get("/api/tickets/requests/AM-1", bob).json["subscribed"] is True
    assert api.get("/api/tickets/requests/AM-1", alice).json["subscribed"] is True
    api.delete(f"{API}/request/AM-1/notification", alice)
    assert api.get("/api/tickets/requests/AM-1", alice).json["subscribed"] is False


def test_an_exact_name_outside_the_sharing_scope_is_neither_added_nor_confirmed(api, person):
    alice, agent, stranger = person(), person(role="agent"), person()
    api.create(alice)
    for ref in (agent.email.split("@")[0].title(), stranger.email.split("@")[0].title(), "Nobody At All"):
        answer = api.post(f"{API}/request/AM-1/participant", alice, {"usernames": [ref]})
        assert answer.status_code == 400, answer.json
        assert "Unknown person" in answer.json["errorMessage"]
    errors = {api.post(f"{API}/request/AM-1/participant", alice, {"usernames": [r]}).json["errorMessage"]
              .replace(r, "NAME") for r in (stranger.email.split("@")[0].title(), "Nobody At All")}
    assert len(errors) == 1  # a name not offered answers exactly as a name nobody has
    assert api.get(f"{API}/request/AM-1/participant", alice).json["values"] == []


def test_customers_read_a_desks_description(api, app, person):
    admin, alice = person(role="admin"), person()
    api.patch("/api/tickets/desks/1", admin, {"description": "Fingerprinting and matching of audio"})
    desk = api.get("/api/tickets/desks/1", alice)
    assert desk.status_code == 200, desk.json
    assert desk.json["description"] == "Fingerprinting and matching of audio"
    assert "restricted" not in desk.json and "emailAddress" not in desk.json  # settings stay staff-only
    with app.extensions["tickets.engine"].begin() as conn:
        conn.execute(text("UPDATE service_desks SET restricted = true WHERE id = 2"))
    assert api.get("/api/tickets/desks/2", alice).status_code == 404


def test_a_closed_request_takes_no_more_comments(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    assert api.post(f"{API}/request/AM-1/transition", alice, {"id": "5", "additionalComment": {"body": "Thanks"}}
                    ).status_code == 204
    assert api.get(f"{API}/request/AM-1", alice).json["currentStatus"]["status"] == "Closed"
    for who in (alice, agent):
        refused = api.post(f"{API}/request/AM-1/comment", who, {"body": "One more thing", "public": True})
        assert refused.status_code == 400, refused.json
        assert "AM-1 is closed" in refused.json["errorMessage"] and "new request" in refused.json["errorMessage"]
    note = api.post(f"{API}/request/AM-1/comment", agent, {"body": "for the record", "public": False})
    assert note.status_code == 201
    bodies = [c["body"] for c in api.get(f"{API}/request/AM-1/comment", agent).json["values"]]
    assert bodies == ["Thanks", "for the record"]
    assert api.get(f"{API}/request/AM-1", alice).json["currentStatus"]["status"] == "Closed"


def test_a_new_requests_summary_is_limited_by_its_field_spec_alone(api, person):
    """The spec's 255, named next to the field; the shared input check holds summaries to no limit of its own."""
    alice = person()
    too_long = api.create(alice, summary="x" * 10_000)
    assert too_long.status_code == 400, too_long.json
    assert set(too_long.json) == {"errorMessage", "i18nErrorMessage"}  # JSM's body; the field is named in it
    assert "requestFieldValues.summary: 'What do you need?' is longer than 255 characters" in \
        too_long.json["errorMessage"]
    assert api.create(alice, summary="x" * 255).status_code == 201


def test_editing_follows_the_request_types_field_specs(api, person):
    alice, agent = person(), person(role="agent")
    api.create(alice)
    too_long = api.patch("/api/tickets/requests/AM-1", agent, {"summary": "x" * 10_000})
    assert too_long.status_code == 400 and "summary" in too_long.json["errors"]
    assert "255" in too_long.json["errors"]["summary"][0]
    empty = api.patch("/api/tickets/requests/AM-1", agent, {"summary": "  "})
    assert empty.status_code == 400 and "summary" in empty.json["errors"]
    fine = api.patch("/api/tickets/requests/AM-1", agent, {"summary": "Player broken again"})
    assert fine.status_code == 200, fine.json
