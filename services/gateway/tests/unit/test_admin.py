"""Desk administration pages: admins only, and a clear message when tickets lacks an endpoint."""
import json

from gateway.admin import forms

from .conftest import csrf_of, log_in, paged


def admin_data(tickets):
    tickets.on("GET", "/api/tickets/desks/1/agents", paged([
        {"accountId": "u-agent", "displayName": "Agent", "emailAddress": "agent@example.com"}]))
    tickets.on("GET", "/api/tickets/desks/1",
               {"id": "1", "projectName": "Audio Matching", "projectKey": "AM", "active": True,
                "restricted": False, "allowParticipantInvites": True,
                "emailAddress": None, "emailRequestTypeId": None, "emailSignup": False, "emailRequireDmarc": False})


def test_agents_get_the_403_page(client, desk_data):
    log_in(client, "agent@example.com")
    for path in ("/admin/desks", "/admin/desks/1", "/admin/desks/1/requesttypes/10"):
        page = client.get(path)
        assert page.status_code == 403 and "for admins only" in page.get_data(as_text=True)


def test_admin_sees_desks_and_the_admin_menu(client, desk_data):
    log_in(client, "admin@example.com")

    html = client.get("/admin/desks").get_data(as_text=True)

    assert 'href="/admin/desks/1"' in html and 'href="/admin/desks">Administration' in html


def test_create_desk(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/api/tickets/desks", {"id": "4", "projectKey": "NW", "projectName": "New"}, status=201)
    log_in(client, "admin@example.com")

    response = client.post("/admin/desks", data={"key": "nw", "name": "New", "description": "d",
                                                 "csrf_token": csrf_of(client, "/admin/desks")})

    assert response.headers["Location"].endswith("/admin/desks/4")
    assert json.loads(tickets.last("/api/tickets/desks").content) == {"key": "NW", "name": "New",
                                                                      "description": "d"}


def test_create_desk_checks_the_key(client, desk_data):
    log_in(client, "admin@example.com")

    page = client.post("/admin/desks", data={"key": "1x", "name": "", "csrf_token": csrf_of(client, "/admin/desks")})

    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'href="#field-key"' in html and 'href="#field-name"' in html


def test_missing_endpoint_gives_a_clear_message(client, desk_data):
    log_in(client, "admin@example.com")  # the fake tickets service has no POST /api/tickets/desks

    page = client.post("/admin/desks", data={"key": "NW", "name": "New",
                                             "csrf_token": csrf_of(client, "/admin/desks")})

    html = page.get_data(as_text=True)
    assert page.status_code == 501
    assert "not available yet" in html and "POST /api/tickets/desks" in html
    assert 'value="NW"' in html  # what the admin typed is kept


def test_desk_page_without_agents_endpoint_still_renders(client, desk_data):
    log_in(client, "admin@example.com")

    page = client.get("/admin/desks/1")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "GET /api/tickets/desks/1/agents" in html and "Incident" in html


def test_edit_desk_sends_name_description_and_settings(client, desk_data):
    _, tickets = desk_data
    admin_data(tickets)
    tickets.on("PATCH", "/api/tickets/desks/1", {"id": "1"})
    log_in(client, "admin@example.com")
    html = client.get("/admin/desks/1").get_data(as_text=True)
    assert "Leave unchanged" not in html  # the desk reported every setting

    client.post("/admin/desks/1", data={"name": "Audio", "description": "", "active": "true",
                                        "restricted": "true", "allowParticipantInvites": "false",
                                        "csrf_token": csrf_of(client, "/admin/desks/1")})

    assert json.loads(tickets.last("/api/tickets/desks/1").content) == {
        "name": "Audio", "description": "", "active": True, "restricted": True, "allowParticipantInvites": False}


def test_unknown_settings_are_left_unchanged():
    assert forms.desk_changes({"name": "A", "active": "", "restricted": "true"}) == {
        "name": "A", "description": "", "restricted": True}


def test_edit_desk_on_a_service_without_patch(client, desk_data):
    _, tickets = desk_data
    admin_data(tickets)
    log_in(client, "admin@example.com")

    page = client.post("/admin/desks/1", data={"name": "Audio", "csrf_token": csrf_of(client, "/admin/desks/1")})

    assert page.status_code == 501 and "PATCH /api/tickets/desks/1" in page.get_data(as_text=True)


def test_add_and_remove_desk_agents(client, desk_data):
    _, tickets = desk_data
    admin_data(tickets)
    tickets.on("POST", "/api/tickets/desks/1/agents", None, status=204)
    tickets.on("DELETE", "/api/tickets/desks/1/agents", None, status=204)
    log_in(client, "admin@example.com")
    token = csrf_of(client, "/admin/desks/1")

    client.post("/admin/desks/1/agents", data={"emails": "zoe@example.com", "csrf_token": token})
    assert json.loads(tickets.last("/agents").content) == {"emails": ["zoe@example.com"]}
    asked = client.post("/admin/desks/1/agents/remove", data={"account_id": "u-agent", "csrf_token": token})
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert tickets.last("/agents").method == "POST"  # nothing removed before the confirmation
    client.post("/admin/desks/1/agents/remove", data={"account_id": "u-agent", "csrf_token": token, "confirmed": "1"})
    assert tickets.last("/agents").method == "DELETE"
    assert json.loads(tickets.last("/agents").content) == {"accountIds": ["u-agent"]}


def test_add_request_type_goes_to_its_fields(client, desk_data):
    _, tickets = desk_data
    admin_data(tickets)
    tickets.on("POST", "/rest/servicedeskapi/servicedesk/1/requesttype", {"id": "12", "name": "Billing"},
               status=201)
    log_in(client, "admin@example.com")

    response = client.post("/admin/desks/1/requesttypes", data={
        "rt_name": "Billing", "rt_description": "Invoices", "rt_help": "Give the invoice number",
        "csrf_token": csrf_of(client, "/admin/desks/1")})

    assert response.headers["Location"].endswith("/admin/desks/1/requesttypes/12")
    assert json.loads(tickets.last("/requesttype").content) == {
        "name": "Billing", "description": "Invoices", "helpText": "Give the invoice number"}


def test_the_fields_page_is_one_table_row_per_field(client, desk_data):
    log_in(client, "admin@example.com")
    html = client.get("/admin/desks/1/requesttypes/10").get_data(as_text=True)
    body = html.split('<table class="fields-table">', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    # summary, description and Product, then the blank rows for new fields; "Share with" is no row
    assert body.count("<tr") == 3 + forms.BLANK_ROWS
    assert body.count('name="fieldId-') == body.count('name="type-') == body.count("<tr")


def test_fields_page_lists_fields_and_saves_them(client, desk_data):
    _, tickets = desk_data
    tickets.on("PUT", "/api/tickets/requesttypes/10/fields", None, status=204)
    log_in(client, "admin@example.com")
    html = client.get("/admin/desks/1/requesttypes/10").get_data(as_text=True)
    assert 'value="customfield_1"' in html and "tv | TV" in html
    assert 'value="organizations"' not in html

    client.post("/admin/desks/1/requesttypes/10", data={
        "rows": "4", "csrf_token": csrf_of(client, "/admin/desks/1/requesttypes/10"),
        "fieldId-0": "summary", "name-0": "Summary", "type-0": "text", "required-0": "1",
        "fieldId-1": "customfield_1", "name-1": "Product", "type-1": "select", "options-1": "tv | TV\nRadio",
        "fieldId-2": "old", "name-2": "Old", "type-2": "text", "remove-2": "1",
        "fieldId-3": "", "name-3": "", "type-3": "text",
    })

    assert json.loads(tickets.last("/fields").content) == [
        {"fieldId": "summary", "name": "Summary", "required": True, "type": "text"},
        {"fieldId": "customfield_1", "name": "Product", "required": False, "type": "select",
         "options": [{"value": "tv", "label": "TV"}, {"value": "Radio", "label": "Radio"}]},
    ]


def test_fields_form_errors_point_at_the_row(client, desk_data):
    _, tickets = desk_data
    log_in(client, "admin@example.com")

    page = client.post("/admin/desks/1/requesttypes/10", data={
        "rows": "2", "csrf_token": csrf_of(client, "/admin/desks/1/requesttypes/10"),
        "fieldId-0": "summary", "name-0": "Summary", "type-0": "text",
        "fieldId-1": "size", "name-1": "Size", "type-1": "select", "options-1": ""})

    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'href="#field-row-1"' in html and 'id="field-row-1"' in html
    assert not any(r.url.path.endswith("/fields") and r.method == "PUT" for r in tickets.requests)


def test_fields_on_a_service_without_the_endpoint(client, desk_data):
    log_in(client, "admin@example.com")

    page = client.post("/admin/desks/1/requesttypes/10", data={
        "rows": "1", "csrf_token": csrf_of(client, "/admin/desks/1/requesttypes/10"),
        "fieldId-0": "summary", "name-0": "Summary", "type-0": "text"})

    assert page.status_code == 501
    assert "PUT /api/tickets/requesttypes/10/fields" in page.get_data(as_text=True)


def test_edit_and_remove_a_request_type_through_the_admin_api(client, desk_data):
    _, tickets = desk_data
    admin_data(tickets)
    tickets.on("PATCH", "/api/tickets/requesttypes/10", {"id": "10", "name": "Outage"})
    tickets.on("DELETE", "/rest/servicedeskapi/servicedesk/1/requesttype/10",
               {"errorMessage": "Request type 'Incident' is used by 3 request(s) and cannot be removed."}, status=400)
    log_in(client, "admin@example.com")
    page = client.get("/admin/desks/1/requesttypes/10").get_data(as_text=True)
    assert 'class="fields-table"' in page and 'id="field-rt_name"' in page
    token = csrf_of(client, "/admin/desks/1/requesttypes/10")

    saved = client.post("/admin/desks/1/requesttypes/10/settings", data={
        "rt_name": "Outage", "rt_description": "Down", "rt_help": "Say since when", "csrf_token": token})
    assert saved.status_code == 302
    assert json.loads(tickets.last("/requesttypes/10").content) == {
        "name": "Outage", "description": "Down", "helpText": "Say since when"}
    asked = client.post("/admin/desks/1/requesttypes/10/remove", data={"csrf_token": token})
    assert "Remove this request type?" in asked.get_data(as_text=True)
    refused = client.post("/admin/desks/1/requesttypes/10/remove", data={"csrf_token": token, "confirmed": "1"})
    assert refused.status_code == 400 and "is used by 3 request(s)" in refused.get_data(as_text=True)


def test_admin_forms_take_their_maxlength_from_the_rules_limits(client, desk_data):
    import re

    from common import limits

    log_in(client, "admin@example.com")
    html = client.get("/admin/desks/1/requesttypes/10").get_data(as_text=True)

    def maxlength(name):
        return int(re.search(rf'name="{name}"[^>]*maxlength="(\d+)"', html).group(1))

    assert maxlength("rt_name") == maxlength("name-0") == limits.CATALOGUE_NAME
    assert maxlength("rt_description") == limits.CATALOGUE_TEXT
    assert maxlength("fieldId-0") == limits.FIELD_ID
