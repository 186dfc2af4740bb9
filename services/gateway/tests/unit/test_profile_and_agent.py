import json

from .conftest import csrf_of, log_in, paged


def test_profile_shows_name_language_and_tokens(client, desk_data):
    log_in(client)

    html = client.get("/portal/profile").get_data(as_text=True)

    assert 'value="Alice"' in html
    assert "ci script" in html
    assert 'action="/portal/profile/tokens/7/revoke"' in html


def test_changing_the_language_switches_the_pages(client, desk_data):
    identity, _ = desk_data
    identity.on("PATCH", "/api/identity/me", {"displayName": "Alice", "language": "fr"})
    log_in(client)

    answer = client.post("/portal/profile/details", data={"display_name": "Alice", "language": "fr",
                                                          "csrf_token": csrf_of(client, "/portal/profile")})

    assert json.loads(identity.last("/me").content) == {"displayName": "Alice", "language": "fr"}
    # The confirmation speaks the language just chosen (issue 12, point 11).
    saved = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Votre profil a été enregistré." in saved and "Your profile has been saved." not in saved
    assert '<html lang="fr">' in client.get("/portal/profile").get_data(as_text=True)


def test_switching_to_german_confirms_in_german(client, desk_data):
    identity, _ = desk_data
    identity.on("PATCH", "/api/identity/me", {"displayName": "Alice", "language": "de"})
    log_in(client)
    saved = client.post("/portal/profile/details", data={"display_name": "Alice", "language": "de",
                                                         "csrf_token": csrf_of(client, "/portal/profile")},
                        follow_redirects=True).get_data(as_text=True)
    assert "Ihr Profil wurde gespeichert." in saved and '<html lang="de">' in saved
    assert "Your profile has been saved." not in saved
    html = client.get("/portal/profile").get_data(as_text=True)
    for name in ("English", "Français", "Deutsch", "Español"):
        assert name in html


def test_account_language_wins_after_login(client, desk_data):
    html_before = client.get("/portal/login").get_data(as_text=True)
    assert '<html lang="en">' in html_before
    log_in(client, "francine@example.com")

    assert '<html lang="fr">' in client.get("/portal/profile", headers={"Accept-Language": "en"}).get_data(True)


def test_change_password(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/me/password", None, status=204)
    log_in(client)

    client.post("/portal/profile/password", data={
        "current_password": "old-password", "new_password": "new-password-1",
        "new_password_confirm": "new-password-1", "csrf_token": csrf_of(client, "/portal/profile")})

    assert json.loads(identity.last("/password").content) == {"currentPassword": "old-password",
                                                               "newPassword": "new-password-1"}


def test_wrong_current_password_is_reported_on_the_field(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/me/password", {"errorMessage": "wrong"}, status=403)
    log_in(client)

    page = client.post("/portal/profile/password", data={
        "current_password": "bad", "new_password": "new-password-1",
        "new_password_confirm": "new-password-1", "csrf_token": csrf_of(client, "/portal/profile")})

    assert '<a href="#field-current_password">Your current password is not correct.</a>' in page.get_data(True)


def test_a_new_api_token_is_shown_once(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/me/tokens", {"id": "8", "name": "laptop", "token": "sdt_secret_value"},
                status=201)
    log_in(client)

    page = client.post("/portal/profile/tokens", data={"label": "laptop",
                                                       "csrf_token": csrf_of(client, "/portal/profile")})

    assert "sdt_secret_value" in page.get_data(as_text=True)
    created = [r for r in identity.requests if r.method == "POST" and r.url.path.endswith("/me/tokens")]
    assert json.loads(created[0].content) == {"label": "laptop"}
    assert "sdt_secret_value" not in client.get("/portal/profile").get_data(as_text=True)


def test_revoke_api_token(client, desk_data):
    identity, _ = desk_data
    identity.on("DELETE", "/api/identity/me/tokens/7", None, status=204)
    log_in(client)

    token = csrf_of(client, "/portal/profile")
    page = client.get("/portal/profile").get_data(as_text=True)
    assert 'data-confirm="Revoke the API token ci script?"' in page

    asked = client.post("/portal/profile/tokens/7/revoke", data={"csrf_token": token, "name": "ci script"})
    assert asked.status_code == 200 and "Revoke the API token ci script?" in asked.get_data(as_text=True)
    assert not any(r.method == "DELETE" for r in identity.requests)  # nothing revoked before the confirmation
    client.post("/portal/profile/tokens/7/revoke", data={"csrf_token": token, "confirmed": "1"})

    assert identity.last("/tokens/7").method == "DELETE"


def test_ending_requests_from_the_console_asks_first(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/api/tickets/bulk", {"results": [{"issueKey": "AM-1", "status": 200}]})
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent")
    for path, form in (("/agent/requests/AM-1/work", {"transition": "5", "assignee": "keep"}),
                       ("/agent/bulk", {"keys": ["AM-1", "AM-2"], "transition": "7", "assignee": "keep"})):
        asked = client.post(path, data={**form, "csrf_token": token})
        html = asked.get_data(as_text=True)
        assert asked.status_code == 200 and ("Close AM-1?" in html or "Cancel AM-1, AM-2?" in html), html[:500]
        assert not any(r.url.path == "/api/tickets/bulk" for r in tickets.requests)
    done = client.post("/agent/bulk", data={"keys": ["AM-1"], "transition": "7", "assignee": "keep",
                                            "csrf_token": token, "confirmed": "1"})
    assert done.status_code == 302 and tickets.last("/api/tickets/bulk").method == "POST"
    client.post("/agent/bulk", data={"keys": ["AM-1"], "transition": "4", "assignee": "keep", "csrf_token": token})
    assert json.loads(tickets.last("/api/tickets/bulk").content)["transition"] == "4"  # resolving asks nothing


def test_every_destructive_button_asks_for_confirmation():
    """Each form whose button is marked ``danger`` carries data-confirm (its view asks without script)."""
    import re
    from pathlib import Path

    import gateway

    templates = Path(gateway.__file__).parent / "templates"
    for path in templates.rglob("*.html"):
        if path.name == "confirm.html":
            continue
        for form in re.findall(r"<form\b.*?</form>", path.read_text(), re.S):
            if "button danger" in form:
                assert "data-confirm" in form.split(">", 1)[0], f"{path.name}: {form[:200]}"


def test_customers_cannot_open_the_agent_console(client, desk_data):
    log_in(client)

    page = client.get("/agent")

    assert page.status_code == 403
    assert "for the support team only" in page.get_data(as_text=True)


def test_agent_queue_uses_the_queues_endpoint(client, desk_data):
    _, tickets = desk_data
    log_in(client, "agent@example.com")

    html = client.get("/agent?desk=1&queue=unassigned").get_data(as_text=True)

    listed = [r.url.params for r in tickets.requests
              if r.url.path == "/api/tickets/queues" and r.url.params.get("limit") == "25"]
    assert listed and listed[0]["serviceDeskId"] == "1" and listed[0]["queue"] == "unassigned"
    assert 'href="/agent/requests/AM-1"' in html


def test_agent_console_with_trailing_slash(client, desk_data):
    log_in(client, "agent@example.com")
    assert client.get("/agent/").status_code in (200, 308)


def test_agent_ticket_shows_internal_notes(client, desk_data):
    _, tickets = desk_data
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([
        {"id": "5", "body": "Customer reply", "public": True, "author": {"displayName": "Alice"}},
        {"id": "6", "body": "Check the ingest logs", "public": False, "author": {"displayName": "Agent"}},
    ]))
    log_in(client, "agent@example.com")

    html = client.get("/agent/requests/AM-1").get_data(as_text=True)

    assert "Check the ingest logs" in html and "Internal note" in html
    assert tickets.last("/comment").url.params["internal"] == "true"


def test_agent_reply_and_internal_note(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/comment", {"id": "9"}, status=201)
    log_in(client, "agent@example.com")
    token = csrf_of(client, "/agent/requests/AM-1")

    client.post("/agent/requests/AM-1/comment", data={"body": "Fixed", "visibility": "public", "csrf_token": token})
    assert json.loads(tickets.last("/comment").content) == {"body": "Fixed", "public": True}
    client.post("/agent/requests/AM-1/comment", data={"body": "Note", "visibility": "internal", "csrf_token": token})
    assert json.loads(tickets.last("/comment").content) == {"body": "Note", "public": False}


def test_agent_transition(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/request/AM-1/transition", None, status=204)
    log_in(client, "agent@example.com")

    client.post("/agent/requests/AM-1/transition",
                data={"transition": "2", "csrf_token": csrf_of(client, "/agent/requests/AM-1")})

    assert json.loads(tickets.last("/transition").content) == {"id": "2"}


def test_agent_invites_customers(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/invitations", {"invited": 2}, status=202)
    log_in(client, "agent@example.com")

    response = client.post("/agent/invite", data={"emails": "carol@example.com, dave@example.com",
                                                  "csrf_token": csrf_of(client, "/agent/invite")})

    assert response.status_code == 302
    assert json.loads(identity.last("/invitations").content) == {
        "emails": ["carol@example.com", "dave@example.com"]}


def test_agent_is_told_who_was_not_invited_as_another_desks_customer(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/invitations", {"invitations": [
        {"email": "carol@example.com", "state": "pending", "action": "invited"},
        {"accountId": None, "email": "dave@example.com", "state": "exists", "action": "none"}]}, status=201)
    log_in(client, "agent@example.com")

    client.post("/agent/invite", data={"emails": "carol@example.com, dave@example.com",
                                       "csrf_token": csrf_of(client, "/agent/invite")})
    page = client.get("/agent/invite").get_data(as_text=True)

    assert "Invitations sent to carol@example.com." in page
    assert "Not invited, as they are customers of other desks: dave@example.com." in page


def test_agent_invite_rejects_bad_addresses(client, desk_data):
    identity, _ = desk_data
    log_in(client, "agent@example.com")

    page = client.post("/agent/invite", data={"emails": "carol@example.com nope",
                                              "csrf_token": csrf_of(client, "/agent/invite")})

    assert page.status_code == 400
    assert "nope" in page.get_data(as_text=True)
    assert not identity.requests[-1].url.path.endswith("/invitations")
