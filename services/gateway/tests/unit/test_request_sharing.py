"""Portal request page: participants by email or name search, sharing line, notifications toggle."""
import json

from .conftest import csrf_of, log_in, paged, request_dto


def detail(tickets, reporter="u-alice", participants=(), organizations=(), subscribed=True):
    dto = request_dto()
    dto["reporter"] = {"accountId": reporter, "displayName": "Someone"}
    tickets.on("GET", "/api/tickets/requests/AM-1", {
        "request": dto, "organizations": list(organizations), "assignee": None, "transitions": [],
        "participants": [{"accountId": p, "displayName": p} for p in participants], "subscribed": subscribed})


def _shared_with(html: str) -> list[str]:
    import re

    return re.findall(r"<dt>Shared with</dt>\s*<dd>([^<]*)</dd>", html)


def test_shared_with_names_the_organisation_once(client, desk_data):
    log_in(client)
    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert _shared_with(html) == ["Acme Media"] and html.count("Shared with") == 1


def test_private_request_says_so(client, desk_data):
    _, tickets = desk_data
    detail(tickets)
    log_in(client)
    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert _shared_with(html) == ["Private request"] and html.count("Shared with") == 1


def test_people_search_is_a_plain_get_form_with_add_buttons(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/people", {"values": [
        {"accountId": "u-carol", "displayName": "Carol", "emailAddress": "carol@example.com"}]})
    log_in(client)

    html = client.get("/portal/requests/AM-1?people=car").get_data(as_text=True)

    # The search asks for the people this request's desk lets the caller add (the same ones names resolve to).
    assert dict(tickets.last("/api/tickets/people").url.params) == {"query": "car", "serviceDeskId": "1",
                                                                    "limit": "10"}
    assert 'method="get"' in html and 'name="people"' in html and '<label for="people-query">' in html
    assert 'name="account_id" value="u-carol"' in html and "Carol" in html


def test_people_search_without_results(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/people", {"values": []})
    log_in(client)
    assert "Nobody matches “zz”." in client.get("/portal/requests/AM-1?people=zz").get_data(as_text=True)


def test_no_search_no_people_call(client, desk_data):
    _, tickets = desk_data
    log_in(client)
    client.get("/portal/requests/AM-1")
    assert not any(r.url.path == "/api/tickets/people" for r in tickets.requests)


def test_add_participant_from_search_sends_the_account_id(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/participant", paged([]))
    log_in(client)

    client.post("/portal/requests/AM-1/participants", data={
        "account_id": "u-carol", "name": "Carol", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert json.loads(tickets.last("/participant").content) == {"accountIds": ["u-carol"]}
    assert "Carol can now see this request." in client.get("/portal/requests/AM-1").get_data(as_text=True)


def test_add_participant_by_email(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/participant", paged([]))
    log_in(client)

    client.post("/portal/requests/AM-1/participants", data={
        "participant": "dave@example.com", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert json.loads(tickets.last("/participant").content) == {"usernames": ["dave@example.com"]}


def test_participant_invite_refused_by_the_desk_is_shown(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/participant",
               {"errorMessage": "This desk does not invite new people: nobody@example.com"}, status=400)
    log_in(client)

    page = client.post("/portal/requests/AM-1/participants", data={
        "participant": "nobody@example.com", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert page.status_code == 400 and "nobody@example.com" in page.get_data(as_text=True)


def test_organisation_member_can_turn_notifications_on(client, desk_data):
    _, tickets = desk_data
    detail(tickets, reporter="u-bob", organizations=[{"id": "1", "name": "Acme Media"}], subscribed=False)
    tickets.on("PUT", "/rest/servicedeskapi/request/AM-1/notification", None, status=204)
    log_in(client)

    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert "Turn on notifications" in html and 'value="unmute"' in html

    client.post("/portal/requests/AM-1/mute", data={"action": "unmute",
                                                    "csrf_token": csrf_of(client, "/portal/requests/AM-1")})
    assert tickets.last("/notification").method == "PUT"


def test_organisation_member_can_turn_notifications_off(client, desk_data):
    _, tickets = desk_data
    detail(tickets, reporter="u-bob", organizations=[{"id": "1", "name": "Acme Media"}], subscribed=True)
    tickets.on("DELETE", "/rest/servicedeskapi/request/AM-1/notification", None, status=204)
    log_in(client)

    assert "Turn off notifications" in client.get("/portal/requests/AM-1").get_data(as_text=True)
    client.post("/portal/requests/AM-1/mute", data={"action": "mute",
                                                    "csrf_token": csrf_of(client, "/portal/requests/AM-1")})
    assert tickets.last("/notification").method == "DELETE"


def test_reporter_does_not_get_the_organisation_toggle(client, desk_data):
    log_in(client)  # Alice reports AM-1
    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert "Turn on notifications" not in html and "Stop notifications for this request" in html
