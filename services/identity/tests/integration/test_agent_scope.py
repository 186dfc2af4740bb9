"""Agents reach in identity only what their desks touch (issue 9, security item 2); admins reach everything."""
import pytest
from sqlalchemy.orm import Session

from common.events import CloudEvent, event_type
from identity.consumers import handlers
from identity.domain.scope import CASES, decide


@pytest.mark.parametrize(("role", "in_scope", "action", "staff", "expected"), CASES)
def test_the_scope_rule_follows_its_table(role, in_scope, action, staff, expected):
    assert decide(role, in_scope, action, staff) == expected


def _apply(deps, app, name, **data):
    """Feed identity's worker handler a tickets event, as the worker would."""
    handler = handlers(deps)[f"{name}.v1"]
    with Session(app.extensions["db_engine"]) as session:
        handler(session, CloudEvent(type=event_type(name, 1), source="/servicedesk/tickets", subject="x", data=data))
        session.commit()


def _ticket(desk: int, reporter: str, orgs=(), participants=()):
    return dict(ticketId="1", key=f"D{desk}-1", deskId=str(desk), deskKey=f"D{desk}", deskName="Desk",
                requestTypeId="1", summary="s", status="Waiting for support", reporterId=reporter, assigneeId=None,
                actorId=reporter, actorIsAgent=False, audience={"customers": [], "agents": []},
                organizationIds=[str(o) for o in orgs], participantIds=list(participants), description="")


@pytest.fixture
def world(api, deps, app):
    """AM (desk 1) and TV (desk 2), an agent on each, Acme Media sharing an AM request, an admin."""
    admin = api.token_for("admin@example.com", "admin")
    am_agent, tv_agent = api.user("am@example.com", "agent"), api.user("tv@example.com", "agent")
    alice, dave = api.user("alice@example.com", name="Alice"), api.user("dave@example.com", name="Dave")
    acme = api.call("POST", "/api/identity/organisations", {"name": "Acme Media"}, admin).get_json()
    api.call("POST", f"/api/identity/organisations/{acme['id']}/members", {"emails": [alice.email]}, admin)
    _apply(deps, app, "desk.agents_changed", deskId="1", deskKey="AM", agentIds=[am_agent.id])
    _apply(deps, app, "desk.agents_changed", deskId="2", deskKey="TV", agentIds=[tv_agent.id])
    _apply(deps, app, "ticket.created", **_ticket(1, alice.id, orgs=[acme["id"]]))
    _apply(deps, app, "ticket.created", **_ticket(2, dave.id))
    return {"admin": admin, "am": api.login("am@example.com")["access_token"],
            "tv": api.login("tv@example.com")["access_token"], "alice": alice, "dave": dave, "acme": acme["id"],
            "tv_id": tv_agent.id}


def test_an_agent_of_another_desk_cannot_reach_an_organisation_or_join_it(api, world):
    org, tv = world["acme"], world["tv"]
    base = f"/rest/servicedeskapi/organization/{org}"
    assert api.call("POST", f"{base}/user", {"accountIds": [world["tv_id"]]}, tv).status_code == 404
    assert api.call("GET", base, token=tv).status_code == 404
    assert api.call("GET", f"{base}/user", token=tv).status_code == 404
    assert api.call("PATCH", f"/api/identity/organisations/{org}", {"name": "Mine"}, tv).status_code == 404
    assert api.call("DELETE", base, token=tv).status_code == 404
    listed = api.call("GET", "/rest/servicedeskapi/organization", token=tv).get_json()
    assert org not in [o["id"] for o in listed["values"]]
    # AM's agent reaches it, as the desk touches it; still, members are customers only.
    am = world["am"]
    assert api.call("GET", f"{base}/user", token=am).status_code == 200
    refused = api.call("POST", f"{base}/user", {"usernames": ["am@example.com"]}, am)
    assert refused.status_code == 400 and "Only customers" in refused.get_json()["errorMessage"]


def test_an_agent_reaches_only_the_customers_their_desks_touch(api, world):
    alice, dave, tv, am = world["alice"], world["dave"], world["tv"], world["am"]
    emails = lambda token: [a["email"] for a in api.call(  # noqa: E731
        "GET", "/api/identity/accounts", token=token).get_json()["values"]]
    assert emails(tv) == ["dave@example.com"]
    assert emails(am) == ["alice@example.com"]
    assert "alice@example.com" in emails(world["admin"]) and "dave@example.com" in emails(world["admin"])
    assert api.call("POST", f"/api/identity/accounts/{alice.id}/deactivate", token=tv).status_code == 404
    assert api.call("GET", f"/api/identity/accounts/{alice.id}", token=tv).status_code == 404
    assert api.call("POST", f"/api/identity/accounts/{dave.id}/deactivate", token=tv).status_code == 200
    assert api.call("POST", f"/api/identity/invitations/{alice.id}/resend", token=tv).status_code == 404


def test_an_agent_manages_the_organisations_and_customers_they_created(api, world):
    tv = world["tv"]
    org = api.call("POST", "/api/identity/organisations", {"name": "Globex"}, tv).get_json()
    invited = api.call("POST", "/api/identity/invitations", {"emails": ["new@example.com"]}, tv).get_json()
    new_id = invited["invitations"][0]["accountId"]
    assert api.call("GET", f"/api/identity/accounts/{new_id}", token=tv).status_code == 200
    assert api.call("PATCH", f"/api/identity/organisations/{org['id']}", {"name": "Globex Corp"}, tv).status_code == 200
    added = api.call("POST", f"/api/identity/organisations/{org['id']}/members", {"accountIds": [new_id]}, tv)
    assert added.status_code == 204
    # A customer the agent cannot reach is unknown by id, exactly like an account that does not exist.
    hidden = api.call("POST", f"/api/identity/organisations/{org['id']}/members",
                      {"accountIds": [world["alice"].id]}, tv)
    assert hidden.status_code == 400 and world["alice"].id in hidden.get_json()["errorMessage"]


def test_inviting_someone_elses_customer_sends_nothing_and_shows_nothing(api, world, outbox):
    before = len(outbox("password.reset_requested.v1")) + len(outbox("customer.invited.v1"))
    answer = api.call("POST", "/api/identity/invitations", {"emails": ["alice@example.com"]}, world["tv"]).get_json()
    assert answer["invitations"] == [{"accountId": None, "email": "alice@example.com", "displayName": None,
                                      "state": "exists", "action": "none", "expiresAt": None}]
    assert len(outbox("password.reset_requested.v1")) + len(outbox("customer.invited.v1")) == before
    mine = api.call("POST", "/api/identity/invitations", {"emails": ["alice@example.com"]}, world["am"]).get_json()
    assert mine["invitations"][0]["action"] == "reset_link_sent"


def test_a_touch_is_remembered_once_committed_and_forgotten_when_rolled_back(deps, app):
    from sqlalchemy import text

    from identity.consumers import TicketTouched

    touched = TicketTouched()
    created = CloudEvent(type=event_type("ticket.created", 1), source="/servicedesk/tickets", subject="x",
                         data=_ticket(3, "someone-1", orgs=[7]))
    rows = "SELECT (SELECT count(*) FROM desk_customers WHERE desk_id = 3), " \
           "(SELECT count(*) FROM desk_organisations WHERE desk_id = 3 AND shared)"
    with Session(app.extensions["db_engine"]) as session:
        touched(session, created)
        session.rollback()
    assert touched.known == {}
    with Session(app.extensions["db_engine"]) as session:
        touched(session, created)
        session.commit()
        assert session.execute(text(rows)).one() == (1, 1)
    assert set(touched.known) == {("account", 3, "someone-1"), ("organisation", 3, 7)}
    with Session(app.extensions["db_engine"]) as session:
        session.execute(text("DELETE FROM desk_customers WHERE desk_id = 3"))
        touched(session, created)  # remembered: nothing is written again
        assert session.execute(text(rows)).one() == (0, 1)
