"""Console pages for organisations and customers, over identity's agent endpoints."""
import json

import httpx

from .conftest import csrf_of, log_in, paged


def organisations(identity, tickets):
    identity.on("GET", "/api/identity/organisations", paged([{"id": "1", "name": "Acme Media"}]))
    identity.on("GET", "/rest/servicedeskapi/organization/1", {"id": "1", "name": "Acme Media"})
    identity.on("GET", "/api/identity/organisations/1/members", paged([
        {"accountId": "u-alice", "displayName": "Alice", "email": "alice@example.com"}]))
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/organization", paged([{"id": "1", "name": "Acme Media"}]))


def test_organisations_list_and_create(client, desk_data):
    identity, tickets = desk_data
    organisations(identity, tickets)
    identity.on("POST", "/api/identity/organisations", {"id": "2", "name": "Globex"}, status=201)
    log_in(client, "agent@example.com")

    assert 'href="/agent/organisations/1"' in client.get("/agent/organisations").get_data(as_text=True)
    response = client.post("/agent/organisations", data={"name": " Globex ",
                                                          "csrf_token": csrf_of(client, "/agent/organisations")})

    assert response.headers["Location"].endswith("/agent/organisations/2")
    assert json.loads(identity.last("/organisations").content) == {"name": "Globex"}


def test_create_organisation_conflict_is_shown(client, desk_data):
    identity, tickets = desk_data
    organisations(identity, tickets)
    identity.on("POST", "/api/identity/organisations",
                {"errorMessage": "An organization named 'Acme Media' already exists."}, status=409)
    log_in(client, "agent@example.com")

    page = client.post("/agent/organisations", data={"name": "Acme Media",
                                                      "csrf_token": csrf_of(client, "/agent/organisations")})

    assert page.status_code == 400 and "already exists" in page.get_data(as_text=True)


def test_organisation_page_rename_delete_members_and_desks(client, desk_data):
    identity, tickets = desk_data
    organisations(identity, tickets)
    identity.on("PATCH", "/api/identity/organisations/1", {"id": "1", "name": "Acme"})
    identity.on("DELETE", "/api/identity/organisations/1", None, status=204)
    identity.on("POST", "/api/identity/organisations/1/members", None, status=204)
    identity.on("DELETE", "/api/identity/organisations/1/members", None, status=204)
    tickets.on("DELETE", "/rest/servicedeskapi/servicedesk/1/organization", None, status=204)
    tickets.on("POST", "/rest/servicedeskapi/servicedesk/1/organization", None, status=204)
    log_in(client, "agent@example.com")

    html = client.get("/agent/organisations/1").get_data(as_text=True)
    assert "Alice" in html and "Linked" in html and 'value="unlink"' in html
    token = csrf_of(client, "/agent/organisations/1")

    client.post("/agent/organisations/1/rename", data={"name": "Acme", "csrf_token": token})
    assert json.loads(identity.last("/organisations/1").content) == {"name": "Acme"}
    client.post("/agent/organisations/1/members", data={"emails": "bob@example.com, carol@example.com",
                                                        "csrf_token": token})
    assert json.loads(identity.last("/members").content) == {"emails": ["bob@example.com", "carol@example.com"]}
    asked = client.post("/agent/organisations/1/members/remove", data={"account_id": "u-alice", "csrf_token": token})
    assert "Remove u-alice from the organisation?" in asked.get_data(as_text=True)
    assert identity.last("/members").method == "POST"  # nothing removed before the confirmation
    client.post("/agent/organisations/1/members/remove", data={"account_id": "u-alice", "csrf_token": token,
                                                               "confirmed": "1"})
    assert identity.last("/members").method == "DELETE"
    assert json.loads(identity.last("/members").content) == {"accountIds": ["u-alice"]}
    asked = client.post("/agent/organisations/1/desks", data={"desk": "1", "action": "unlink", "name": "Audio Matching",
                                                              "csrf_token": token})
    assert "Unlink Audio Matching from this organisation?" in asked.get_data(as_text=True)
    assert not any(r.method == "DELETE" and "/organization" in r.url.path for r in tickets.requests)
    client.post("/agent/organisations/1/desks", data={"desk": "1", "action": "unlink", "csrf_token": token,
                                                      "confirmed": "1"})
    assert tickets.last("/servicedesk/1/organization").method == "DELETE"
    assert json.loads(tickets.last("/servicedesk/1/organization").content) == {"organizationId": 1}
    client.post("/agent/organisations/1/desks", data={"desk": "1", "action": "link", "csrf_token": token})
    assert tickets.last("/servicedesk/1/organization").method == "POST"
    asked = client.post("/agent/organisations/1/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    assert not any(r.method == "DELETE" and r.url.path == "/api/identity/organisations/1" for r in identity.requests)
    response = client.post("/agent/organisations/1/delete", data={"csrf_token": token, "confirmed": "1"})
    assert response.headers["Location"].endswith("/agent/organisations")
    assert identity.last("/organisations/1").method == "DELETE"


def test_adding_bad_member_emails_is_refused_locally(client, desk_data):
    identity, tickets = desk_data
    organisations(identity, tickets)
    log_in(client, "agent@example.com")

    page = client.post("/agent/organisations/1/members",
                       data={"emails": "nope", "csrf_token": csrf_of(client, "/agent/organisations/1")})

    assert page.status_code == 400 and "nope" in page.get_data(as_text=True)
    assert not any(r.method == "POST" and r.url.path.endswith("/members") for r in identity.requests)


def customers(identity):
    identity.on("GET", "/api/identity/accounts", paged([
        {"accountId": "u-carol", "email": "carol@example.com", "displayName": "Carol", "active": True,
         "kind": "internal"},
        {"accountId": "u-dan", "email": "dan@example.com", "displayName": "Dan", "active": False,
         "kind": "internal"},
        {"accountId": "u-eve", "email": "eve@example.com", "displayName": "Eve", "active": True,
         "kind": "internal"},
    ]))
    identity.on("GET", "/api/identity/invitations", paged([
        {"accountId": "u-carol", "email": "carol@example.com", "state": "pending"},
        {"accountId": "u-eve", "email": "eve@example.com", "state": "accepted"},
    ]))


def test_customers_page_searches_and_shows_invitation_states(client, desk_data):
    identity, _ = desk_data
    customers(identity)
    log_in(client, "agent@example.com")

    html = client.get("/agent/customers?q=car").get_data(as_text=True)

    assert identity.last("/api/identity/accounts").url.params["query"] == "car"
    assert "Invitation pending" in html and "Invitation accepted" in html and "Deactivated" in html
    assert html.count("Resend invitation<") == 1  # only Carol's invitation can be resent
    assert 'action="/agent/customers/u-carol/resend"' in html


def test_deactivate_activate_and_resend(client, desk_data):
    identity, _ = desk_data
    customers(identity)
    identity.on("POST", "/api/identity/accounts/u-carol/deactivate", {"accountId": "u-carol", "active": False})
    identity.on("POST", "/api/identity/accounts/u-dan/activate", {"accountId": "u-dan", "active": True})
    identity.on("POST", "/api/identity/invitations/u-carol/resend",
                {"accountId": "u-carol", "email": "carol@example.com", "state": "pending"})
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent/customers")

    asked = client.post("/agent/customers/u-carol/active", data={"action": "deactivate", "q": "car",
                                                                 "name": "carol@example.com", "csrf_token": token})
    page = asked.get_data(as_text=True)
    assert "Deactivate carol@example.com?" in page and 'name="action" value="deactivate"' in page
    assert not any(r.url.path.endswith("/deactivate") for r in identity.requests)
    back = client.post("/agent/customers/u-carol/active", data={"action": "deactivate", "q": "car",
                                                                "confirmed": "1", "csrf_token": token})
    assert back.headers["Location"].endswith("/agent/customers?q=car")
    assert identity.last("/deactivate").method == "POST"
    client.post("/agent/customers/u-dan/active", data={"action": "activate", "csrf_token": token})
    assert identity.last("/activate").url.path == "/api/identity/accounts/u-dan/activate"
    client.post("/agent/customers/u-carol/resend", data={"csrf_token": token})
    assert "A new invitation has been sent to carol@example.com." in client.get("/agent/customers").get_data(True)


def test_customers_page_is_for_agents_only(client, desk_data):
    log_in(client)
    assert client.get("/agent/customers").status_code == 403
    assert client.get("/agent/organisations").status_code == 403


def test_customers_page_survives_identity_without_invitations(client, desk_data):
    identity, _ = desk_data
    identity.on("GET", "/api/identity/accounts", paged([
        {"accountId": "u-carol", "email": "carol@example.com", "active": True}]))
    identity.on("GET", "/api/identity/invitations", lambda r: httpx.Response(404, json={"errorMessage": "no"}))
    log_in(client, "agent@example.com")

    assert "carol@example.com" in client.get("/agent/customers").get_data(as_text=True)


def test_dot_segments_never_reach_an_upstream(client, desk_data):
    identity, _ = desk_data
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent/customers")
    before = len(identity.requests)

    response = client.post("/agent/customers/../resend", data={"csrf_token": token})
    response2 = client.post("/agent/customers/%2E%2E/resend", data={"csrf_token": token})

    assert response.status_code == 404 and response2.status_code == 404
    assert len(identity.requests) == before
