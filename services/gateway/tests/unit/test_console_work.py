"""Console: assignment, internal notes, queue counts."""
import json

from .conftest import csrf_of, log_in, paged, request_dto


def agents_of_desk(tickets):
    tickets.on("GET", "/api/tickets/desks/1/agents", paged([
        {"accountId": "u-agent", "displayName": "Agent", "emailAddress": "agent@example.com"},
        {"accountId": "u-zoe", "displayName": "Zoé", "emailAddress": "zoe@example.com"}]))


def test_ticket_page_offers_assign_to_me_and_the_desks_agents(client, desk_data):
    _, tickets = desk_data
    agents_of_desk(tickets)
    log_in(client, "agent@example.com")

    html = client.get("/agent/requests/AM-1").get_data(as_text=True)

    assert "Assign to me" in html and "Nobody is assigned" in html
    assert '<option value="u-zoe">Zoé</option>' in html
    assert '<label for="field-assignee">' in html


def test_assign_to_me_sends_my_account_id(client, desk_data):
    _, tickets = desk_data
    agents_of_desk(tickets)
    tickets.on("PUT", "/api/tickets/requests/AM-1/assignee", request_dto())
    log_in(client, "agent@example.com")

    response = client.post("/agent/requests/AM-1/assign",
                           data={"assignee": "me", "csrf_token": csrf_of(client, "/agent/requests/AM-1")})

    assert response.status_code == 302
    assert json.loads(tickets.last("/assignee").content) == {"accountId": "u-agent"}


def test_assign_to_another_agent_and_unassign(client, desk_data):
    _, tickets = desk_data
    agents_of_desk(tickets)
    tickets.on("PUT", "/api/tickets/requests/AM-1/assignee", request_dto())
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent/requests/AM-1")

    client.post("/agent/requests/AM-1/assign", data={"assignee": "u-zoe", "csrf_token": token})
    assert json.loads(tickets.last("/assignee").content) == {"accountId": "u-zoe"}
    client.post("/agent/requests/AM-1/assign", data={"assignee": "", "csrf_token": token})
    assert json.loads(tickets.last("/assignee").content) == {"accountId": None}


def test_refused_assignment_is_shown_on_the_form(client, desk_data):
    _, tickets = desk_data
    agents_of_desk(tickets)
    tickets.on("PUT", "/api/tickets/requests/AM-1/assignee",
               {"errorMessage": "Zoé is not an agent of this desk."}, status=400)
    log_in(client, "agent@example.com")

    page = client.post("/agent/requests/AM-1/assign",
                       data={"assignee": "u-zoe", "csrf_token": csrf_of(client, "/agent/requests/AM-1")})

    assert page.status_code == 400
    assert "Zoé is not an agent of this desk." in page.get_data(as_text=True)


def test_without_the_agents_endpoint_assign_to_me_still_works(client, desk_data):
    log_in(client, "agent@example.com")

    html = client.get("/agent/requests/AM-1").get_data(as_text=True)

    assert "Assign to me" in html and 'id="field-assignee"' not in html


def test_internal_notes_are_marked_in_the_console_only(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([
        {"id": "6", "body": "Check the logs", "public": False, "author": {"displayName": "Agent"}}]))
    log_in(client, "agent@example.com")

    html = client.get("/agent/requests/AM-1").get_data(as_text=True)

    assert 'class="comment comment-internal"' in html
    assert "Internal note, not visible to the customer" in html


def test_console_home_shows_queue_counts(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/queues/counts", {"serviceDeskId": "1", "counts": {
        "open": 3, "unassigned": 2, "mine": 0, "waiting": 1, "all": 140}})
    log_in(client, "agent@example.com")

    html = client.get("/agent?desk=1").get_data(as_text=True)

    assert 'Unassigned <span class="count">(2)</span>' in html
    assert 'All open <span class="count">(3)</span>' in html
    assert 'All requests <span class="count">(140)</span>' in html
    assert 'Assigned to me <span class="count">(0)</span>' in html


def test_console_queue_pages_keep_the_desk_and_queue(client, desk_data):
    _, tickets = desk_data
    page = paged([request_dto(f"AM-{i}") for i in range(25)])
    page["isLastPage"] = False
    tickets.on("GET", "/api/tickets/queues", page)
    log_in(client, "agent@example.com")

    html = client.get("/agent?desk=1&queue=mine").get_data(as_text=True)

    assert 'href="?desk=1&amp;queue=mine&amp;start=25" rel="next"' in html
    assert 'rel="prev"' not in html
