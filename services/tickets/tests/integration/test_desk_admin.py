"""Desk administration: desks and settings, agents of a desk, restricted desks, request types and fields."""
from .conftest import outbox_events

API = "/rest/servicedeskapi"
NATIVE = "/api/tickets"


def test_agents_work_only_on_their_desks(api, person):
    am_agent, tv_agent, admin = person(role="agent", desks=(1,)), person(role="agent", desks=(2,)), person(role="admin",
                                                                                                        desks=())
    alice = person()
    key = api.create(alice).json["issueKey"]
    api.post(f"{API}/request/{key}/comment", am_agent, {"body": "internal", "public": False})
    for path in ("", "/status", "/comment", "/comment/1", "/transition", "/participant", "/notification"):
        assert api.get(f"{API}/request/{key}{path}", tv_agent).status_code == 404, path
        assert api.get(f"{API}/request/{key}{path}", am_agent).status_code == 200, path
        assert api.get(f"{API}/request/{key}{path}", admin).status_code == 200, path
    for path in (f"{NATIVE}/requests/{key}", f"{NATIVE}/requests/{key}/history"):
        assert api.get(path, tv_agent).status_code == 404
    assert api.post(f"{API}/request/{key}/comment", tv_agent, {"body": "x"}).status_code == 404
    assert api.post(f"{API}/request/{key}/transition", tv_agent, {"id": "1"}).status_code == 404
    assert api.put(f"{NATIVE}/requests/{key}/assignee", tv_agent, {"accountId": tv_agent.id}).status_code == 404
    assert api.get(f"{API}/request?requestOwnership=ALL_REQUESTS", tv_agent).json["values"] == []
    assert api.get(f"{API}/request?searchTerm={key}", tv_agent).json["values"] == []
    for queue in ("unassigned", "open", "all", "waiting"):
        assert api.get(f"{NATIVE}/queues?serviceDeskId=1&queue={queue}", tv_agent).status_code == 404
        assert api.get(f"{NATIVE}/queues?serviceDeskId=2&queue={queue}", tv_agent).json["values"] == []
        # "waiting" is waiting for the customer: the request still waits for support.
        expected = 0 if queue == "waiting" else 1
        assert len(api.get(f"{NATIVE}/queues?serviceDeskId=1&queue={queue}", am_agent).json["values"]) == expected
    # The desks an agent works on (the console's queues); GET /servicedesk also lists the desks open to
    # them as a customer (domain.visibility.DESK_TABLE).
    assert [d["projectKey"] for d in api.get(f"{NATIVE}/desks", tv_agent).json["values"]] == ["TV"]
    assert [d["projectKey"] for d in api.get(f"{API}/servicedesk", tv_agent).json["values"]] == ["AM", "TV", "RA"]
    assert [d["projectKey"] for d in api.get(f"{API}/servicedesk", admin).json["values"]] == ["AM", "TV", "RA"]
    # Assigning to an agent of another desk is refused, naming the field.
    refused = api.put(f"{NATIVE}/requests/{key}/assignee", am_agent, {"accountId": tv_agent.email})
    assert refused.status_code == 400 and "accountId" in refused.json["errors"]


def test_admins_manage_a_desks_agents(api, person):
    admin, agent, customer = person(role="admin"), person(role="agent", desks=()), person()
    assert api.get(f"{NATIVE}/desks/2/agents", admin).json["values"] == []
    assert api.post(f"{NATIVE}/desks/2/agents", agent, {"accountIds": [agent.id]}).status_code == 403
    assert api.post(f"{NATIVE}/desks/2/agents", admin, {"accountIds": [agent.id]}).status_code == 204
    assert api.post(f"{NATIVE}/desks/2/agents", admin, {"emails": [agent.email]}).status_code == 204  # idempotent
    listed = api.get(f"{NATIVE}/desks/2/agents", agent).json
    assert [u["accountId"] for u in listed["values"]] == [agent.id]
    bad = api.post(f"{NATIVE}/desks/2/agents", admin, {"accountIds": ["nope", customer.id]})
    assert bad.status_code == 400 and "nope" in bad.json["errorMessage"] and customer.email in bad.json["errorMessage"]
    assert api.post(f"{NATIVE}/desks/2/agents", admin, {}).status_code == 400
    assert api.delete(f"{NATIVE}/desks/2/agents", admin, {"accountIds": [agent.id]}).status_code == 204
    assert api.get(f"{NATIVE}/desks/2/agents", admin).json["values"] == []
    assert api.get(f"{NATIVE}/desks/99/agents", admin).status_code == 404


def test_an_agent_added_by_email_before_the_account_arrives_gets_the_desk_when_it_does(api, app, person, tokens):
    from common.db import transaction
    from common.events import CloudEvent, event_type
    from tickets.replica import HANDLERS

    from .conftest import outbox_events, Person

    admin = person(role="admin")
    assert api.post(f"{NATIVE}/desks/3/agents", admin, {"emails": ["Later@Example.com"]}).status_code == 204
    later = Person(tokens, "later@example.com", role="agent")
    data = {"accountId": later.id, "email": later.email, "displayName": "Later", "language": "en",
            "role": "agent", "active": True}
    with transaction(app.extensions["tickets.session_factory"]) as session:
        HANDLERS["account.created.v1"](session, CloudEvent(type=event_type("account.created"),
                                                            source="/servicedesk/identity", data=data))
    assert [d["projectKey"] for d in api.get(f"{NATIVE}/desks", later).json["values"]] == ["RA"]


def test_admins_create_and_configure_desks_with_errors_naming_each_field(api, person):
    admin, agent = person(role="admin"), person(role="agent")
    assert api.post(f"{NATIVE}/desks", agent, {"key": "HR", "name": "HR"}).status_code == 403
    bad = api.post(f"{NATIVE}/desks", admin, {"key": "1x", "name": ""})
    assert bad.status_code == 400 and set(bad.json["errors"]) == {"key", "name"}
    assert api.post(f"{NATIVE}/desks", admin, {"key": "am", "name": "Again"}).json["errors"]["key"]
    created = api.post(f"{NATIVE}/desks", admin, {"key": "hr", "name": "People", "description": "HR questions"})
    assert created.status_code == 201
    desk = created.json
    assert desk["projectKey"] == "HR" and desk["active"] is True and desk["restricted"] is False
    assert desk["allowParticipantInvites"] is False
    types = api.get(f"{API}/servicedesk/HR/requesttype", admin).json["values"]
    assert [t["name"] for t in types] == ["Incident", "Feature request", "Question"]
    patch = api.patch(f"{NATIVE}/desks/{desk['id']}", admin, {"active": "yes", "restricted": 1, "color": "red"})
    assert patch.status_code == 400 and set(patch.json["errors"]) == {"active", "restricted", "color"}
    changed = api.patch(f"{NATIVE}/desks/{desk['id']}", admin, {"name": "People team", "allowParticipantInvites": True})
    assert changed.json["projectName"] == "People team" and changed.json["allowParticipantInvites"] is True
    assert api.patch(f"{NATIVE}/desks/{desk['id']}", agent, {"name": "x"}).status_code == 403
    assert api.get(f"{NATIVE}/desks/{desk['id']}", admin).json["projectName"] == "People team"


def test_inactive_desks_are_hidden_from_customers_and_restricted_ones_take_only_their_customers(api, person):
    admin, agent, alice, bob = person(role="admin"), person(role="agent"), person(), person()
    api.patch(f"{NATIVE}/desks/2", admin, {"active": False})
    assert "TV" not in [d["projectKey"] for d in api.get(f"{API}/servicedesk", alice).json["values"]]
    assert api.get(f"{API}/servicedesk/2", alice).status_code == 404
    assert api.get(f"{API}/servicedesk/2/requesttype", alice).status_code == 404
    assert api.create(alice, desk="2", rt="4").status_code == 400
    assert api.get(f"{API}/servicedesk/2", agent).status_code == 200

    api.patch(f"{NATIVE}/desks/3", admin, {"restricted": True})
    assert "RA" not in [d["projectKey"] for d in api.get(f"{API}/servicedesk", alice).json["values"]]
    refused = api.create(alice, desk="3", rt="7")
    assert refused.status_code == 400 and "Service desk '3'" in refused.json["errorMessage"]
    assert api.post(f"{API}/servicedesk/3/customer", alice, {"usernames": [alice.email]}).status_code == 403
    unknown = api.post(f"{API}/servicedesk/3/customer", agent, {"usernames": ["ghost@example.com"]})
    assert unknown.status_code == 400 and "ghost@example.com" in unknown.json["errorMessage"]
    assert api.post(f"{API}/servicedesk/3/customer", agent, {"usernames": [alice.email]}).status_code == 204
    assert [u["accountId"] for u in api.get(f"{API}/servicedesk/3/customer", agent).json["values"]] == [alice.id]
    assert api.create(alice, desk="3", rt="7").status_code == 201
    assert api.create(bob, desk="3", rt="7").status_code == 400
    assert api.delete(f"{API}/servicedesk/3/customer", agent, {"accountIds": [alice.id]}).status_code == 204
    assert api.create(alice, desk="3", rt="7").status_code == 400
    # The unrestricted active desk takes everyone's requests.
    assert api.create(bob, desk="1", rt="1").status_code == 201


def test_a_restricted_desk_takes_requests_from_members_of_its_organisations(api, person, organizations):
    admin, agent, alice = person(role="admin"), person(role="agent"), person(orgs=[5])
    api.patch(f"{NATIVE}/desks/3", admin, {"restricted": True})
    assert api.create(alice, desk="3", rt="7").status_code == 400
    assert api.post(f"{API}/servicedesk/3/organization", admin, {"organizationId": 5}).status_code == 204
    assert api.create(alice, desk="3", rt="7").status_code == 201


def test_agents_link_only_organisations_they_created_or_their_desks_touch(api, app, person, organizations):
    from common.db import transaction
    from tickets.store.accounts import AccountRepository

    am, tv = person(role="agent", desks=(1,)), person(role="agent", desks=(2,))
    alice = person(orgs=[5])
    organizations(5)
    with transaction(app.extensions["tickets.session_factory"]) as session:
        AccountRepository(session).save_organization(6, "Made by TV", created_by=tv.id)
    api.create(alice, values={"organizations": [5]})  # AM-1, shared with org 5: AM touches it
    # TV's agent cannot pull AM's organisation (and its members) onto TV: it answers as unknown.
    assert api.post(f"{API}/servicedesk/2/organization", tv, {"organizationId": 5}).status_code == 404
    assert api.post(f"{API}/servicedesk/1/organization", am, {"organizationId": 5}).status_code == 204
    assert api.post(f"{API}/servicedesk/2/organization", tv, {"organizationId": 6}).status_code == 204
    [event] = [e for e in outbox_events(app) if e["type"] == "servicedesk.desk.organizations_changed.v1"
               and e["data"]["deskId"] == "2"]
    assert event["data"]["organizationIds"] == ["6"]


def test_request_types_and_their_fields(api, person):
    admin, alice = person(role="admin"), person()
    assert api.post(f"{API}/servicedesk/1/requesttype", alice, {"name": "Access"}).status_code == 403
    bad = api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "", "helpText": 3})
    # JSM error bodies carry no per-field map, so the message names every field.
    assert bad.status_code == 400 and "name:" in bad.json["errorMessage"] and "helpText:" in bad.json["errorMessage"]
    assert "name:" in api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Incident"}).json["errorMessage"]
    created = api.post(f"{API}/servicedesk/1/requesttype", admin,
                       {"name": "Access", "description": "Get access", "helpText": "Which system?"})
    assert created.status_code == 200
    rt = created.json["id"]
    bad_fields = api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, [
        {"fieldId": "summary", "name": "Summary", "required": False, "type": "text"},
        {"fieldId": "9x", "name": "", "type": "radio"},
        {"fieldId": "system", "name": "System", "type": "select", "options": []},
    ])
    assert bad_fields.status_code == 400
    assert {"summary", "[1].fieldId", "[1].name", "[1].type", "[2].options"} <= set(bad_fields.json["errors"])
    fields = [{"fieldId": "summary", "name": "Summary", "required": True, "type": "text"},
              {"fieldId": "system", "name": "System", "required": True, "type": "select",
               "options": [{"value": "erp", "label": "ERP"}, {"value": "crm", "label": "CRM"}]}]
    saved = api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields)
    assert saved.status_code == 200 and [f["fieldId"] for f in saved.json] == ["summary", "system"]
    form = api.get(f"{API}/servicedesk/1/requesttype/{rt}/field", alice).json["requestTypeFields"]
    assert [f["fieldId"] for f in form] == ["summary", "system", "organizations"]
    missing = api.post(f"{API}/request", alice, {"serviceDeskId": "1", "requestTypeId": rt,
                                                 "requestFieldValues": {"summary": "Need ERP"}})
    assert missing.status_code == 400 and "requestFieldValues.system" in missing.json["errorMessage"]
    ok = api.post(f"{API}/request", alice, {"serviceDeskId": "1", "requestTypeId": rt,
                                            "requestFieldValues": {"summary": "Need ERP", "system": "erp"}})
    assert ok.status_code == 201
    assert api.put(f"{NATIVE}/requesttypes/999/fields", admin, fields).status_code == 404


def test_a_pending_agent_who_calls_before_the_account_event_gets_the_desk_at_once(api, person, tokens):
    from .conftest import Person

    admin = person(role="admin")
    api.post(f"{NATIVE}/desks/2/agents", admin, {"emails": ["early@example.com"]})
    early = Person(tokens, "early@example.com", role="agent")
    assert [d["projectKey"] for d in api.get(f"{NATIVE}/desks", early).json["values"]] == ["TV"]


def test_admins_give_a_desk_its_email_address_request_type_and_rules(api, person):
    admin = person(role="admin")
    desk = api.post(f"{NATIVE}/desks", admin, {"key": "MAIL", "name": "Mail desk"}).json
    other = api.post(f"{NATIVE}/desks", admin, {"key": "MAIL2", "name": "Other mail desk"}).json
    types = api.get(f"{API}/servicedesk/{desk['id']}/requesttype", admin).json["values"]
    changed = api.patch(f"{NATIVE}/desks/{desk['id']}", admin, {
        "emailAddress": "Mail@Support.Example.com", "emailRequestTypeId": types[2]["id"], "emailSignup": True,
        "emailRequireDmarc": True})
    assert changed.status_code == 200, changed.json
    assert (changed.json["emailAddress"], changed.json["emailRequestTypeId"], changed.json["emailSignup"],
            changed.json["emailRequireDmarc"]) == ("mail@support.example.com", types[2]["id"], True, True)
    bad = api.patch(f"{NATIVE}/desks/{desk['id']}", admin, {"emailAddress": "mail+x@support.example.com",
                                                           "emailSignup": "yes"})
    assert bad.status_code == 400 and set(bad.json["errors"]) == {"emailAddress", "emailSignup"}
    taken = api.patch(f"{NATIVE}/desks/{other['id']}", admin, {"emailAddress": "mail@support.example.com"})
    assert taken.status_code == 400 and "MAIL" in taken.json["errorMessage"]
    foreign = api.patch(f"{NATIVE}/desks/{other['id']}", admin, {"emailRequestTypeId": types[0]["id"]})
    assert foreign.status_code == 400 and "emailRequestTypeId" in foreign.json["errors"]
    cleared = api.patch(f"{NATIVE}/desks/{desk['id']}", admin, {"emailAddress": None})
    assert cleared.status_code == 200 and cleared.json["emailAddress"] is None


def test_admins_edit_and_remove_request_types(api, person):
    admin, agent, alice = person(role="admin"), person(role="agent"), person()
    created = api.post("/rest/servicedeskapi/servicedesk/1/requesttype", admin, {"name": "Access", "description": "d"})
    rt = created.json["id"]
    assert api.patch(f"/api/tickets/requesttypes/{rt}", agent, {"name": "X"}).status_code == 403
    edited = api.patch(f"/api/tickets/requesttypes/{rt}", admin, {"name": "Access request", "helpText": "Say who"})
    assert edited.status_code == 200, edited.json
    assert edited.json["name"] == "Access request" and edited.json["helpText"] == "Say who"
    assert edited.json["description"] == "d"
    assert api.patch(f"/api/tickets/requesttypes/{rt}", admin, {"name": "Incident"}).status_code == 400
    assert api.patch(f"/api/tickets/requesttypes/{rt}", admin, {"colour": "red"}).status_code == 400
    # In use: refused with the reason; unused: removed.
    assert api.post("/rest/servicedeskapi/request", alice, {"serviceDeskId": "1", "requestTypeId": rt,
                    "requestFieldValues": {"summary": "Let me in"}}).status_code == 201
    refused = api.delete(f"/rest/servicedeskapi/servicedesk/1/requesttype/{rt}", admin)
    assert refused.status_code == 400 and "used by 1 request" in refused.json["errorMessage"]
    spare = api.post("/rest/servicedeskapi/servicedesk/1/requesttype", admin, {"name": "Spare"}).json["id"]
    assert api.delete(f"/rest/servicedeskapi/servicedesk/2/requesttype/{spare}", admin).status_code == 404
    assert api.delete(f"/rest/servicedeskapi/servicedesk/1/requesttype/{spare}", agent).status_code == 403
    assert api.delete(f"/rest/servicedeskapi/servicedesk/1/requesttype/{spare}", admin).status_code == 204
    assert api.get(f"/rest/servicedeskapi/servicedesk/1/requesttype/{spare}", admin).status_code == 404


def test_a_field_requests_hold_values_for_cannot_be_removed(api, person):
    admin, alice = person(role="admin"), person()
    fields = [{"fieldId": "summary", "name": "Summary", "required": True},
              {"fieldId": "impact", "name": "Impact", "type": "select", "options": [{"value": "high"}]},
              {"fieldId": "product", "name": "Product"}]
    rt = api.post("/rest/servicedeskapi/servicedesk/1/requesttype", admin, {"name": "Audit"}).json["id"]
    assert api.put(f"/api/tickets/requesttypes/{rt}/fields", admin, fields).status_code == 200
    assert api.post("/rest/servicedeskapi/request", alice, {"serviceDeskId": "1", "requestTypeId": rt,
                    "requestFieldValues": {"summary": "Check", "impact": "high"}}).status_code == 201
    refused = api.put(f"/api/tickets/requesttypes/{rt}/fields", admin, [fields[0], fields[2]])
    assert refused.status_code == 409, refused.json
    assert "'Impact' (1 request(s))" in refused.json["errorMessage"] and refused.json["errors"] == {
        "impact": ["Used by 1 request(s)."]}
    kept = api.put(f"/api/tickets/requesttypes/{rt}/fields", admin, [fields[0], {**fields[1], "required": False}])
    assert kept.status_code == 200  # "product" held no value: it goes
    assert [f["fieldId"] for f in kept.json] == ["summary", "impact"]


def test_catalogue_names_longer_than_their_limit_are_refused_naming_the_field(api, person):
    from common.limits import CATALOGUE_NAME

    admin = person(role="admin")
    # A type of its own: the demo types' fields outlive the test (only types added by tests are dropped).
    rt = api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Limits", "description": "d"}).json["id"]
    long_name = "n" * (CATALOGUE_NAME + 1)
    fields = [{"fieldId": "summary", "name": "Summary", "required": True, "type": "text"},
              {"fieldId": "impact", "name": long_name, "type": "text"}]
    refused = api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields)
    assert refused.status_code == 400 and str(CATALOGUE_NAME) in refused.json["errors"]["[1].name"][0]
    renamed = api.patch(f"{NATIVE}/requesttypes/{rt}", admin, {"name": long_name})
    assert renamed.status_code == 400 and "name" in renamed.json["errors"]
    fields[1]["name"] = "n" * CATALOGUE_NAME
    assert api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields).status_code == 200
