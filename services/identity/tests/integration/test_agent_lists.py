"""Agents page and filter accounts and invitations."""
from datetime import datetime, timedelta, timezone

from identity.services import accounts


def _page(api, path, token):
    response = api.call("GET", path, token=token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _emails(page):
    return [v["email"] for v in page["values"]]


def test_accounts_page_like_jsm_and_filter(api):
    agent = api.token_for("agent@example.com", "admin")
    api.user("admin@example.com", "admin", name="Ada Admin")
    for n in range(3):
        api.user(f"c{n}@example.com", name=f"Customer {n}")
    accounts.create_account(api.deps, email="ext@example.com", password=api.PASSWORD, kind="external")
    gone = api.user("gone@example.com")
    api.call("POST", f"/api/identity/accounts/{gone.id}/deactivate", token=agent)

    first = _page(api, "/api/identity/accounts?start=0&limit=2", agent)
    assert (first["start"], first["limit"], first["size"], first["isLastPage"]) == (0, 2, 2, False)
    rest = _page(api, "/api/identity/accounts?start=2&limit=10", agent)
    assert rest["isLastPage"] is True
    assert _emails(first) + _emails(rest) == ["c0@example.com", "c1@example.com", "c2@example.com",
                                              "ext@example.com", "gone@example.com"]
    assert _emails(_page(api, "/api/identity/accounts?role=agent,admin", agent)) == [
        "admin@example.com", "agent@example.com"]
    assert _emails(_page(api, "/api/identity/accounts?kind=external", agent)) == ["ext@example.com"]
    assert _emails(_page(api, "/api/identity/accounts?active=false", agent)) == ["gone@example.com"]
    assert _emails(_page(api, "/api/identity/accounts?query=customer%201&active=true", agent)) == ["c1@example.com"]
    assert _emails(_page(api, "/api/identity/accounts?query=ADA&role=admin", agent)) == ["admin@example.com"]


def test_bad_account_filters_are_refused_with_a_reason(api):
    agent = api.token_for("agent@example.com", "admin")
    for query, word in (("role=boss", "role"), ("kind=vip", "kind"), ("active=maybe", "active"),
                        ("limit=0", "limit")):
        response = api.call("GET", f"/api/identity/accounts?{query}", token=agent)
        assert response.status_code == 400 and word in response.get_json()["errorMessage"], query


def test_invitations_filter_by_state(api, deps, outbox):
    agent = api.token_for("agent@example.com", "admin")
    api.call("POST", "/api/identity/invitations", {"emails": ["old@example.com"]}, agent)
    clock = deps.clock
    deps.clock = lambda: datetime.now(timezone.utc) - timedelta(days=8)
    try:
        api.call("POST", "/api/identity/invitations/" +
                 outbox("customer.invited.v1")[0]["data"]["accountId"] + "/resend", token=agent)
    finally:
        deps.clock = clock
    api.call("POST", "/api/identity/invitations", {"emails": ["pending@example.com", "done@example.com"]}, agent)
    done = [e for e in outbox("customer.invited.v1") if e["data"]["email"] == "done@example.com"][0]
    api.call("POST", "/api/identity/invitations/accept",
             {"token": api.link_token(done["data"]["link"]), "password": api.PASSWORD})

    def emails(state):
        page = _page(api, f"/api/identity/invitations?state={state}", agent)
        assert all(v["state"] == state for v in page["values"])
        return sorted(_emails(page))

    assert emails("pending") == ["pending@example.com"]
    assert emails("accepted") == ["done@example.com"]
    assert emails("expired") == ["old@example.com"]
    everyone = _page(api, "/api/identity/invitations?limit=2", agent)
    assert everyone["size"] == 2 and everyone["isLastPage"] is False
    bad = api.call("GET", "/api/identity/invitations?state=lost", token=agent)
    assert bad.status_code == 400 and "state" in bad.get_json()["errorMessage"]


def test_participants_invited_onto_requests_are_listed(api, settings, outbox):
    from common.events import CloudEvent, event_type
    from identity.consumers import PARTICIPANT_INVITED
    from identity.worker import build_worker

    event = CloudEvent(type=event_type("ticket.participant_invited"), source="/servicedesk/tickets", subject="IT-1",
                       data={"ticketId": "1", "key": "IT-1", "deskId": "1", "deskKey": "IT", "deskName": "IT",
                             "summary": "Help", "email": "guest@example.com", "invitedBy": "r", "language": "en"})
    worker = build_worker(settings)
    try:
        worker.handle(event, worker.handlers[PARTICIPANT_INVITED])
    finally:
        worker.session_factory.kw["bind"].dispose()
    agent = api.token_for("agent@example.com", "admin")
    page = _page(api, "/api/identity/invitations?state=pending", agent)
    assert _emails(page) == ["guest@example.com"]
