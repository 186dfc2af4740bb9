import json
import pytest
from urllib.parse import parse_qs

import httpx

from .conftest import csrf_of, log_in, paged, request_dto


def query_of(request: httpx.Request) -> dict:
    return {k: v for k, v in parse_qs(request.url.query.decode()).items()}


def test_home_lists_desks_and_requests(client, desk_data):
    identity, tickets = desk_data
    log_in(client)

    page = client.get("/")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Audio Matching" in html
    assert 'href="/portal/requests/AM-1"' in html and "Fingerprints missing" in html
    assert "Acme Media" in html  # the organisation tab
    assert identity.last("/organization").url.params["accountId"] == "u-alice"
    assert query_of(tickets.last("/rest/servicedeskapi/request"))["requestStatus"] == ["OPEN_REQUESTS"]


def test_portal_root_is_the_home(client, desk_data):
    log_in(client)
    assert client.get("/portal").headers["Location"] == "/"


def test_home_filters_become_jsm_query_parameters(client, desk_data):
    _, tickets = desk_data
    log_in(client)

    client.get("/?tab=org-1&status=closed&desk=1&type=10&q=fingerprint&start=20")

    sent = query_of(tickets.last("/rest/servicedeskapi/request"))
    assert sent["requestOwnership"] == ["ORGANIZATION"]
    assert sent["organizationId"] == ["1"]
    assert sent["requestStatus"] == ["CLOSED_REQUESTS"]
    assert sent["serviceDeskId"] == ["1"] and sent["requestTypeId"] == ["10"]
    assert sent["searchTerm"] == ["fingerprint"]
    assert sent["start"] == ["20"]


def test_the_request_list_filters_by_request_type_without_choosing_a_desk_first(client, desk_data):
    _, tickets = desk_data
    log_in(client)

    html = client.get("/").get_data(as_text=True)
    assert '<select id="filter-type" name="type">' in html
    assert '<optgroup label="Audio Matching">' in html and '<option value="1:11">Question</option>' in html

    page = client.get("/?type=1:11").get_data(as_text=True)
    sent = query_of(tickets.last("/rest/servicedeskapi/request"))
    assert sent["serviceDeskId"] == ["1"] and sent["requestTypeId"] == ["11"]  # JSM filters by type within a desk
    assert '<option value="1:11" selected>' in page


@pytest.mark.parametrize(("desk", "rtype", "expected"), [
    ("", "", ("", "")), ("1", "10", ("1", "10")), ("", "10", ("", "")), ("", "2:7", ("2", "7")),
    ("2", "2:7", ("2", "7")), ("1", "2:7", ("1", "")),
])
def test_the_type_filter_rule(desk, rtype, expected):
    from gateway.portal.views_requests import type_filter

    assert type_filter(desk, rtype) == expected


def test_home_tabs_for_own_and_participating(client, desk_data):
    _, tickets = desk_data
    log_in(client)

    client.get("/?tab=mine&status=all")
    assert query_of(tickets.last("/rest/servicedeskapi/request"))["requestOwnership"] == ["OWNED_REQUESTS"]
    assert query_of(tickets.last("/rest/servicedeskapi/request"))["requestStatus"] == ["ALL_REQUESTS"]
    client.get("/?tab=participating")
    assert query_of(tickets.last("/rest/servicedeskapi/request"))["requestOwnership"] == ["PARTICIPATED_REQUESTS"]


def test_home_pages_through_results(client, desk_data):
    _, tickets = desk_data
    many = paged([request_dto(f"AM-{i}") for i in range(20)])
    many["isLastPage"] = False
    tickets.on("GET", "/rest/servicedeskapi/request", many)
    log_in(client)

    html = client.get("/?status=all").get_data(as_text=True)

    assert 'rel="next"' in html and "start=20" in html
    assert 'rel="prev"' not in html


def test_desk_page_offers_its_request_types(client, desk_data):
    log_in(client)

    html = client.get("/portal/desks/1").get_data(as_text=True)

    assert 'href="/portal/desks/1/create/10"' in html and "Incident" in html and "Question" in html


def test_create_form_shows_fields_and_share_default(client, desk_data):
    log_in(client)

    html = client.get("/portal/desks/1/create/10").get_data(as_text=True)

    assert '<label for="field-summary">' in html
    assert '<textarea id="field-description"' in html
    assert '<option value="radio"' in html
    assert '<option value="1" selected>Acme Media</option>' in html
    assert "Private request" in html


def test_create_posts_a_jsm_request_and_shows_it(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request", request_dto("AM-2"), status=201)
    log_in(client)
    form = {"summary": "Radio feed down", "description": "Since 9:00", "customfield_1": "radio", "share": "",
            "csrf_token": csrf_of(client, "/portal/desks/1/create/10")}

    response = client.post("/portal/desks/1/create/10", data=form)

    assert response.headers["Location"] == "/portal/requests/AM-2"
    assert json.loads(tickets.last("/rest/servicedeskapi/request").content) == {
        "serviceDeskId": "1", "requestTypeId": "10",
        "requestFieldValues": {"summary": "Radio feed down", "description": "Since 9:00",
                               "customfield_1": "radio", "organizations": []},
    }


def test_share_choices_fall_back_to_my_organisations_without_the_share_field(client, desk_data):
    identity, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10/field", {"requestTypeFields": [
        {"fieldId": "summary", "name": "Summary", "required": True}]})
    identity.on("GET", "/rest/servicedeskapi/organization", paged([{"id": "1", "name": "Acme Media"},
                                                                   {"id": "2", "name": "Northwind Radio"}]))
    log_in(client)

    html = client.get("/portal/desks/1/create/10").get_data(as_text=True)

    assert '<option value="2">Northwind Radio</option>' in html
    assert '<option value="" selected>Private request</option>' in html  # several organisations: private


def test_create_shares_with_the_chosen_organisation(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request", request_dto("AM-2"), status=201)
    log_in(client)
    form = {"summary": "Shared", "share": "1", "csrf_token": csrf_of(client, "/portal/desks/1/create/10")}

    client.post("/portal/desks/1/create/10", data=form)

    assert json.loads(tickets.last("/rest/servicedeskapi/request").content)["requestFieldValues"][
        "organizations"] == ["1"]


def test_create_refuses_missing_required_fields_and_foreign_organisations(client, desk_data):
    _, tickets = desk_data
    log_in(client)
    form = {"summary": "", "share": "99", "csrf_token": csrf_of(client, "/portal/desks/1/create/10")}

    page = client.post("/portal/desks/1/create/10", data=form)

    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'href="#field-summary"' in html and 'href="#field-share"' in html
    assert not [r for r in tickets.requests if r.method == "POST"]


def test_create_shows_the_service_validation_message(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request",
               {"errorMessage": "Invalid input", "errors": {"summary": ["Too long."]}}, status=400)
    log_in(client)
    form = {"summary": "x" * 300, "csrf_token": csrf_of(client, "/portal/desks/1/create/10")}

    html = client.post("/portal/desks/1/create/10", data=form).get_data(as_text=True)

    assert '<a href="#field-summary">Too long.</a>' in html


def test_request_page_shows_details_comments_and_escapes_values(client, desk_data):
    log_in(client)

    html = client.get("/portal/requests/AM-1").get_data(as_text=True)

    assert "Waiting for support" in html
    assert "We are on it &lt;script&gt;" in html
    assert "Since Monday &lt;b&gt;nothing&lt;/b&gt;" in html
    assert "Close request" in html
    assert "Stop notifications for this request" in html
    assert "Acme Media" in html and "Bob" in html  # shared with, participants
    assert "Audio Matching" in html and "Incident" in html  # desk and request type names


def test_private_request_says_so(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/requests/AM-1", {"request": request_dto(), "organizations": [],
                                                     "participants": [], "transitions": [], "subscribed": False})
    log_in(client)

    html = client.get("/portal/requests/AM-1").get_data(as_text=True)

    assert "Private request" in html
    assert "Turn notifications on" in html


def test_comment_is_posted_public(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/comment", {"id": "6"}, status=201)
    log_in(client)

    response = client.post("/portal/requests/AM-1/comment",
                           data={"body": "Still broken", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert response.status_code == 302
    assert json.loads(tickets.last("/comment").content) == {"body": "Still broken", "public": True}


def test_empty_comment_is_refused_with_a_message(client, desk_data):
    log_in(client)

    page = client.post("/portal/requests/AM-1/comment",
                       data={"body": " ", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert page.status_code == 400
    assert "Write a comment or attach a file before sending." in page.get_data(as_text=True)


def test_close_button_performs_the_transition(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/transition", None, status=204)
    log_in(client)

    client.post("/portal/requests/AM-1/transition",
                data={"transition": "2", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert json.loads(tickets.last("/transition").content)["id"] == "2"


def test_mute_link_confirms_then_unsubscribes(client, desk_data):
    _, tickets = desk_data
    tickets.on("DELETE", "/rest/servicedeskapi/request/AM-1/notification", None, status=204)
    log_in(client)

    page = client.get("/portal/requests/AM-1/mute")
    assert "Stop notifications for AM-1?" in page.get_data(as_text=True)
    assert not [r for r in tickets.requests if r.method == "DELETE"]

    client.post("/portal/requests/AM-1/mute", data={"action": "mute",
                                                    "csrf_token": csrf_of(client, "/portal/requests/AM-1/mute")})
    assert tickets.last("/notification").method == "DELETE"


def test_add_participant_by_email(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/participant", paged([]))
    log_in(client)

    client.post("/portal/requests/AM-1/participants",
                data={"participant": "bob@example.com", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})

    assert json.loads(tickets.last("/participant").content) == {"usernames": ["bob@example.com"]}


def test_a_request_the_customer_cannot_see_is_a_404_page(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/requests/AM-9", {"errorMessage": "Request AM-9 does not exist."},
               status=404)
    log_in(client)

    page = client.get("/portal/requests/AM-9")

    assert page.status_code == 404
    assert "Request AM-9 does not exist." in page.get_data(as_text=True)
    assert page.mimetype == "text/html"


def test_portal_page_with_tickets_down_is_a_503_page(client, desk_data):
    _, tickets = desk_data
    log_in(client)
    tickets.down = True

    page = client.get("/")

    assert page.status_code == 503
    assert "Service temporarily unavailable" in page.get_data(as_text=True)


def test_search_boxes_take_as_much_as_the_api_does(client, desk_data):
    from common.limits import text_limit

    _, tickets = desk_data
    log_in(client)
    html = client.get("/?q=" + "x" * 500).get_data(as_text=True)
    assert f'maxlength="{text_limit("searchTerm")}"' in html
    assert query_of(tickets.last("/rest/servicedeskapi/request"))["searchTerm"] == ["x" * text_limit("searchTerm")]
