"""Console pages of issue 12: queue search, filters, sorting, counts, bulk changes; the request's timeline,
customer context, one work form, edits, participants; raising on behalf of a customer; confirmations;
fixed addresses; field limits on the forms."""
import json

from .conftest import csrf_of, date, log_in, paged, request_dto


def test_queue_filters_and_sort_go_to_the_queue_api_and_stay_in_the_links(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/queues", {**paged([request_dto()]), "total": 1})
    log_in(client, "agent@example.com")

    html = client.get("/agent?desk=1&queue=all&q=printer&status=In+progress&type=10&assignee=unassigned"
                      "&org=1&sort=-created").get_data(as_text=True)

    asked = next(r for r in reversed(tickets.requests) if r.url.path == "/api/tickets/queues").url.params
    assert (asked["query"], asked["status"], asked["requestTypeId"], asked["assigneeId"],
            asked["organizationId"], asked["sort"]) == ("printer", "In progress", "10", "unassigned", "1", "-created")
    assert '<th scope="col" aria-sort="descending"><a href="?desk=1&amp;queue=all&amp;q=printer' in html
    assert "sort=created" in html  # a second click on Created sorts ascending
    assert '<label for="filter-q">' in html and '<label for="select-AM-1" class="visually-hidden">' in html
    assert "Requests found: 1" in html and "Clear filters" in html


def test_bulk_assign_sends_the_selected_keys_and_reports_each(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/api/tickets/bulk", {"results": [
        {"issueKey": "AM-1", "status": 200}, {"issueKey": "AM-2", "status": 409, "errorMessage": "Not now."}],
        "changed": 1, "failed": 1})
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent?desk=1")

    back = client.post("/agent/bulk", data={"keys": ["AM-1", "AM-2"], "assignee": "me", "transition": "",
                                            "back": "desk=1&queue=all", "csrf_token": token})

    assert back.status_code == 302 and back.headers["Location"].endswith("/agent?desk=1&queue=all")
    assert json.loads(tickets.last("/bulk").content) == {"issueKeys": ["AM-1", "AM-2"], "assignee": "u-agent"}
    html = client.get("/agent?desk=1").get_data(as_text=True)
    assert "Changed: AM-1." in html and "AM-2 was not changed: Not now." in html


def test_bulk_without_a_selection_or_a_change_asks_for_one(client, desk_data):
    _, tickets = desk_data
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent?desk=1")
    client.post("/agent/bulk", data={"assignee": "me", "csrf_token": token})
    client.post("/agent/bulk", data={"keys": "AM-1", "assignee": "keep", "csrf_token": token})
    html = client.get("/agent?desk=1").get_data(as_text=True)
    assert "Select at least one request." in html and "Choose an assignee or a status change" in html
    assert not any(r.url.path.endswith("/bulk") for r in tickets.requests)


def history(tickets):
    tickets.on("GET", "/api/tickets/requests/AM-1/history", {"values": [
        {"kind": "created", "actor": {"displayName": "Alice"}, "at": date("2026-11-20T10:00:00+0000")},
        {"kind": "participant_added", "to": "u-bob", "toNamed": {"user": {"displayName": "Bob"}},
         "actor": {"displayName": "Alice"}, "at": date("2026-11-20T10:01:00+0000")},
        {"kind": "comment", "to": "internal", "actor": {"displayName": "Agent"}, "at": date("2026-11-20T10:02:00+0000")},
        {"kind": "status", "from": "Waiting for support", "to": "In progress", "actor": {"displayName": "Agent"},
         "at": date("2026-11-20T10:20:00+0000")},
        {"kind": "shared", "to": "1", "toNamed": {"organization": {"id": "1", "name": "Acme Media"}},
         "actor": {"displayName": "Agent"}, "at": date("2026-11-20T10:21:00+0000")},
    ]})
    tickets.on("GET", "/api/tickets/requests/AM-1/context", {
        "reporter": {"accountId": "u-alice", "displayName": "Alice"},
        "organizations": [{"id": "1", "name": "Acme Media"}],
        "recentRequests": [request_dto("AM-7", summary="Older problem")]})


def test_agent_request_page_shows_the_timeline_the_context_and_one_work_form(client, desk_data):
    _, tickets = desk_data
    history(tickets)
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([
        {"id": "6", "body": "Check the logs", "public": False, "created": date("2026-11-20T10:02:00+0000"),
         "author": {"displayName": "Agent"}}]))
    log_in(client, "agent@example.com")

    html = client.get("/agent/requests/AM-1").get_data(as_text=True)

    order = [html.index(t) for t in ("raised the request", "added Bob as a participant", "Check the logs",
                                     "changed the status from Waiting for support to In progress",
                                     "shared the request with Acme Media")]
    assert order == sorted(order)
    assert 'class="comment comment-internal"' in html
    assert "Older problem" in html and 'href="/agent/requests/AM-7"' in html
    assert 'action="/agent/requests/AM-1/work"' in html and 'id="field-transition"' in html
    assert 'action="/portal/requests/AM-1/participants/remove"' in html and "Edit request" in html


def test_the_work_form_sends_assignee_and_status_together(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/api/tickets/bulk", {"results": [{"issueKey": "AM-1", "status": 200}]})
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent/requests/AM-1")

    done = client.post("/agent/requests/AM-1/work", data={"assignee": "u-zoe", "transition": "4", "csrf_token": token})

    assert done.status_code == 302
    assert json.loads(tickets.last("/bulk").content) == {"issueKeys": ["AM-1"], "assignee": "u-zoe", "transition": "4"}
    tickets.on("POST", "/api/tickets/bulk", {"results": [{"issueKey": "AM-1", "status": 409,
                                                           "errorMessage": "'Resolve' is not possible."}]})
    refused = client.post("/agent/requests/AM-1/work", data={"assignee": "keep", "transition": "4",
                                                             "csrf_token": token})
    assert refused.status_code == 400 and "&#39;Resolve&#39; is not possible." in refused.get_data(as_text=True)
    assert json.loads(tickets.last("/bulk").content) == {"issueKeys": ["AM-1"], "transition": "4"}


def test_edit_sends_only_what_changed_and_checks_limits_in_the_page(client, desk_data):
    _, tickets = desk_data
    tickets.on("PATCH", "/api/tickets/requests/AM-1", request_dto())
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10/field", {"requestTypeFields": [
        {"fieldId": "summary", "name": "Summary", "required": True, "validValues": [],
         "jiraSchema": {"type": "string", "system": "summary", "configuration": {"maxLength": 255}}},
        {"fieldId": "description", "name": "Description", "validValues": [],
         "jiraSchema": {"type": "string", "system": "description", "configuration": {"maxLength": 32000}}},
        {"fieldId": "customfield_1", "name": "Product", "validValues": [{"value": "tv", "label": "TV"}]}]})
    log_in(client, "agent@example.com")
    page = client.get("/agent/requests/AM-1/edit").get_data(as_text=True)
    assert 'maxlength="255"' in page and 'value="Fingerprints missing"' in page
    token = csrf_of(client, "/agent/requests/AM-1/edit")

    client.post("/agent/requests/AM-1/edit", data={"summary": "Fingerprints gone", "description":
                                                   "Since Monday <b>nothing</b>", "customfield_1": "tv",
                                                   "csrf_token": token})
    assert json.loads(tickets.last("/api/tickets/requests/AM-1").content) == {
        "summary": "Fingerprints gone", "description": None, "requestFieldValues": {"customfield_1": "tv"}}
    long = client.post("/agent/requests/AM-1/edit", data={"summary": "x" * 300, "csrf_token": token})
    html = long.get_data(as_text=True)
    assert long.status_code == 400
    assert '<p class="field-error" id="error-summary">“Summary” can be at most 255 characters long (300 now).' in html


def test_raise_on_behalf_of_a_customer(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request", {**request_dto("AM-9")}, status=201)
    log_in(client, "agent@example.com")
    assert "Incident" in client.get("/agent/raise?desk=1").get_data(as_text=True)
    token = csrf_of(client, "/agent/raise/1/10")

    missing = client.post("/agent/raise/1/10", data={"summary": "Broken", "csrf_token": token})
    assert missing.status_code == 400 and "Enter the customer" in missing.get_data(as_text=True)
    done = client.post("/agent/raise/1/10", data={"customer": "carol@example.com", "summary": "Broken",
                                                  "csrf_token": token})
    assert done.headers["Location"].endswith("/agent/requests/AM-9")
    sent = json.loads(tickets.last("/rest/servicedeskapi/request").content)
    assert sent["raiseOnBehalfOf"] == "carol@example.com" and sent["requestFieldValues"] == {"summary": "Broken"}

    tickets.on("POST", "/rest/servicedeskapi/request", {"errorMessage": "No account.", "errors": {
        "raiseOnBehalfOf": ["No account 'nobody@example.com'."]}}, status=400)
    unknown = client.post("/agent/raise/1/10", data={"customer": "nobody@example.com", "summary": "Broken",
                                                     "csrf_token": token})
    assert 'id="error-customer">There is no customer with the address' in unknown.get_data(as_text=True)


def test_close_request_and_participant_removal_are_confirmed_first(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/transition", None, status=204)
    tickets.on("DELETE", "/rest/servicedeskapi/request/AM-1/participant", paged([]))
    log_in(client)
    token = csrf_of(client, "/portal/requests/AM-1")

    asked = client.post("/portal/requests/AM-1/transition", data={"transition": "5", "csrf_token": token})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Close AM-1?" in page and 'name="transition" value="5"' in page
    assert not any(r.url.path.endswith("/transition") for r in tickets.requests)
    client.post("/portal/requests/AM-1/transition", data={"transition": "5", "confirmed": "1", "csrf_token": token})
    assert tickets.last("/transition").method == "POST"

    asked = client.post("/portal/requests/AM-1/participants/remove", data={"account_id": "u-bob", "name": "Bob",
                                                                        "csrf_token": token})
    assert "Remove Bob from AM-1?" in asked.get_data(as_text=True)
    done = client.post("/portal/requests/AM-1/participants/remove", data={"account_id": "u-bob", "name": "Bob",
                                                                       "confirmed": "1", "csrf_token": token})
    assert done.status_code == 302
    assert json.loads(tickets.last("/participant").content) == {"accountIds": ["u-bob"]}


def test_a_closed_request_page_offers_a_new_request_naming_it_instead_of_a_comment_box(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/requests/AM-1", {
        "request": request_dto(status="Closed"), "status": "Closed", "organizations": [], "participants": [],
        "assignee": None, "transitions": [{"id": "3", "name": "Reopen request"}], "subscribed": True,
        "canEdit": False})
    log_in(client)
    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert 'id="closed-notice">This request is closed and takes no more comments.' in html
    assert 'action="/portal/requests/AM-1/comment"' not in html
    assert 'href="/portal/desks/1/create/10?related=AM-1">Raise a new request</a>' in html
    form = client.get("/portal/desks/1/create/10?related=AM-1").get_data(as_text=True)
    assert "Follow-up of AM-1: " in form


def test_portal_request_page_shows_the_status_history_and_no_internal_changes(client, desk_data):
    _, tickets = desk_data
    history(tickets)
    log_in(client)
    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert "changed the status from Waiting for support to In progress" in html
    assert "added Bob" not in html and "data-confirm" in html


def test_admin_redirects_to_the_admin_home_and_the_icon_is_served(client, desk_data):
    assert client.get("/admin").headers["Location"].endswith("/admin/desks")
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_the_create_form_limits_and_reports_fields_next_to_them(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10/field", {"requestTypeFields": [
        {"fieldId": "summary", "name": "Summary", "required": True, "description": "One line", "validValues": [],
         "jiraSchema": {"type": "string", "system": "summary", "configuration": {"maxLength": 255}}}]})
    log_in(client)
    form = client.get("/portal/desks/1/create/10").get_data(as_text=True)
    assert 'maxlength="255"' in form and '<p class="hint" id="hint-summary">One line</p>' in form
    page = client.post("/portal/desks/1/create/10", data={"summary": "x" * 10_000,
                                                         "csrf_token": csrf_of(client, "/portal/desks/1/create/10")})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="error-summary">“Summary” can be at most 255 characters' in html
    assert not any(r.method == "POST" and r.url.path == "/rest/servicedeskapi/request" for r in tickets.requests)
    # A refusal the service words itself still lands next to the field it names.
    tickets.on("POST", "/rest/servicedeskapi/request", {"errorMessage": "bad", "errors": {
        "requestFieldValues.summary": ["'Summary' is not allowed."]}}, status=400)
    page = client.post("/portal/desks/1/create/10", data={"summary": "ok",
                                                         "csrf_token": csrf_of(client, "/portal/desks/1/create/10")})
    assert 'id="error-summary">&#39;Summary&#39; is not allowed.' in page.get_data(as_text=True)


def test_a_field_error_is_next_to_its_field_in_the_readers_language(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10/field", {"requestTypeFields": [
        {"fieldId": "summary", "name": "Résumé", "required": True, "validValues": [],
         "jiraSchema": {"type": "string", "system": "summary", "configuration": {"maxLength": 255}}}]})
    log_in(client, "francine@example.com")
    page = client.post("/portal/desks/1/create/10", data={"summary": "x" * 10_000,
                                                         "csrf_token": csrf_of(client, "/portal/desks/1/create/10")})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and '<html lang="fr">' in html
    assert 'id="error-summary">« Résumé » peut compter au plus 255 caractères (10000 actuellement).' in html
    assert 'maxlength="255" aria-invalid="true" aria-describedby="error-summary"' in html
    assert not any(r.method == "POST" and r.url.path == "/rest/servicedeskapi/request" for r in tickets.requests)


def test_a_dead_invitation_or_reset_link_says_so_when_the_page_opens(client, identity):
    identity.on("POST", "/api/identity/links/check", {"valid": False})
    for path, purpose in (("/portal/invitation?token=old", "invite"), ("/portal/reset-password?token=old", "reset"),
                          ("/portal/signup/confirm?token=old", "signup")):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 410 and "This link no longer works" in html and 'type="password"' not in html
        assert json.loads(identity.last("/links/check").content) == {"token": "old", "purpose": purpose}
    identity.on("POST", "/api/identity/links/check", {"valid": True})
    assert 'type="password"' in client.get("/portal/invitation?token=new").get_data(as_text=True)
