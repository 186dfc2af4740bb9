"""Built-in statuses, transitions and request types are shown translated; APIs get English."""
import json

from gateway import names

from .conftest import csrf_of, log_in, paged, request_dto


def test_labels_in_french(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert names.status_label("Waiting for support") == "En attente du support"
        assert names.transition_label("Close request") == "Fermer la demande"
        assert names.request_type_label("Feature request") == "Demande d’évolution"
        assert names.request_type_label("Billing") == "Billing"  # named by an admin: as typed
        assert names.status_label(None) == ""


def test_labels_in_english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert names.status_label("Resolved") == "Resolved"
        assert names.transition_label("Reopen request") == "Reopen request"


def test_french_portal_shows_translated_names_and_sends_english(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/transition", None, status=204)
    log_in(client, "francine@example.com")

    html = client.get("/portal/requests/AM-1").get_data(as_text=True)
    assert "En attente du support" in html and "Fermer la demande" in html and "Incident" in html
    home = client.get("/").get_data(as_text=True)
    assert "En attente du support" in home
    desk = client.get("/portal/desks/1").get_data(as_text=True)
    assert "Question" in desk

    client.post("/portal/requests/AM-1/transition",
                data={"transition": "2", "csrf_token": csrf_of(client, "/portal/requests/AM-1")})
    assert json.loads(tickets.last("/transition").content)["id"] == "2"


def test_french_create_page_title_and_english_ids(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10",
               {"id": "10", "name": "Feature request"})
    tickets.on("POST", "/rest/servicedeskapi/request", {"issueKey": "AM-2"}, status=201)
    log_in(client, "francine@example.com")

    html = client.get("/portal/desks/1/create/10").get_data(as_text=True)
    assert "<h1>Demande d’évolution</h1>" in html
    client.post("/portal/desks/1/create/10", data={"summary": "S", "share": "",
                                                    "csrf_token": csrf_of(client, "/portal/desks/1/create/10")})
    sent = json.loads(tickets.last("/rest/servicedeskapi/request").content)
    assert sent["requestTypeId"] == "10"


def test_french_console_translates_statuses_and_transitions(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/api/tickets/queues", paged([request_dto(status="In progress")]))
    tickets.on("GET", "/api/tickets/requests/AM-1", {
        "request": request_dto(status="Resolved"), "organizations": [], "participants": [],
        "assignee": None, "transitions": [{"id": "6", "name": "Reopen request"}], "subscribed": True})
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([]))
    log_in(client, "agent@example.com")
    with client.session_transaction() as sess:
        sess["acct"]["language"] = "fr"
        sess["lang"] = "fr"
        sess.modified = True

    assert "En cours" in client.get("/agent?desk=1").get_data(as_text=True)
    html = client.get("/agent/requests/AM-1").get_data(as_text=True)
    assert "Résolue" in html and '<option value="6">Rouvrir la demande</option>' in html
