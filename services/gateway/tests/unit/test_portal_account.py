import json
import time

import httpx

from .conftest import csrf_of, log_in


def test_login_page_is_accessible_html(client):
    page = client.get("/portal/login")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en">' in html
    assert '<label for="field-email">' in html and 'id="field-email"' in html
    assert 'aria-live="polite"' in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_login_page_speaks_the_browser_language(client):
    html = client.get("/portal/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(True)

    assert '<html lang="fr">' in html
    assert "Mot de passe" in html
    assert "Mot de passe oublié ?" in html


def test_language_switch_on_the_login_page(client):
    client.post("/portal/language", data={"lang": "fr", "next": "/portal/login",
                                          "csrf_token": csrf_of(client)})

    assert "Mot de passe" in client.get("/portal/login").get_data(True)


def test_customer_login_lands_on_the_portal_home(client, desk_data):
    identity, _tickets = desk_data

    response = log_in(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert json.loads(identity.last("/login").content) == {"email": "alice@example.com",
                                                            "password": "demo-password-1"}
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_agent_login_lands_on_the_console(client, desk_data):
    assert log_in(client, "agent@example.com").headers["Location"] == "/agent"


def test_login_follows_a_local_next_but_never_an_external_one(client, desk_data):
    token = csrf_of(client)
    ok = client.post("/portal/login", data={"email": "alice@example.com", "password": "x", "csrf_token": token,
                                            "next": "/portal/requests/AM-1"})
    assert ok.headers["Location"] == "/portal/requests/AM-1"
    client.post("/portal/logout", data={"csrf_token": csrf_of(client, "/portal/profile")})
    evil = client.post("/portal/login", data={"email": "alice@example.com", "password": "x",
                                              "csrf_token": csrf_of(client), "next": "//evil.example"})
    assert evil.headers["Location"] == "/"


def test_safe_next_refuses_paths_a_browser_would_read_as_another_site():
    from gateway.portal.session import safe_next

    assert safe_next("/portal/requests/AM-1?x=1", "/") == "/portal/requests/AM-1?x=1"
    for target in ("//evil.example", "/\\evil.example", "https://evil.example", "/\t/evil.example",
                   "/\r\n/evil.example", " //evil.example", "/\x00/evil.example", "", None):
        assert safe_next(target, "/home") == "/home", repr(target)


def test_wrong_password_shows_an_error_summary(client, identity):
    identity.on("POST", "/api/identity/login", {"errorMessage": "Invalid credentials"}, status=401)

    page = log_in(client)

    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'class="error-summary"' in html
    assert "The email address or password is incorrect." in html


def test_empty_login_form_links_errors_to_fields(client):
    page = client.post("/portal/login", data={"csrf_token": csrf_of(client)})

    html = page.get_data(as_text=True)
    assert '<a href="#field-email">Enter your email address.</a>' in html
    assert 'aria-invalid="true"' in html


def test_a_form_post_without_csrf_token_is_refused(client, desk_data):
    identity, _ = desk_data

    response = client.post("/portal/login", data={"email": "alice@example.com", "password": "x"})

    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert identity.requests == []


def test_a_forged_csrf_token_is_refused(client, desk_data):
    csrf_of(client)
    response = client.post("/portal/login", data={"email": "a@example.com", "password": "x", "csrf_token": "forged"})
    assert response.status_code == 400


def test_pages_need_a_login(client):
    response = client.get("/portal/requests/AM-1")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login?next=/portal/requests/AM-1")


def test_logout_ends_the_session_at_identity(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/logout", None, status=204)
    log_in(client)

    response = client.post("/portal/logout", data={"csrf_token": csrf_of(client, "/portal/profile")})

    assert response.headers["Location"] == "/portal/login"
    assert json.loads(identity.last("/logout").content) == {"refresh_token": "r-1"}
    assert client.get("/").status_code == 302


def test_invitation_sets_the_password_and_logs_in(client, desk_data, tokens):
    identity, _ = desk_data
    token = tokens.mint(account_id="u-new", email="new@example.com")
    identity.on("POST", "/api/identity/invitations/accept",
                {"access_token": token, "expires_in": 900, "refresh_token": "r-2"})
    form = {"token": "inv-123", "display_name": "New Person", "password": "long-password",
            "password_confirm": "long-password", "csrf_token": csrf_of(client, "/portal/invitation?token=inv-123")}

    response = client.post("/portal/invitation", data=form)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert json.loads(identity.last("/accept").content) == {"token": "inv-123", "password": "long-password",
                                                             "displayName": "New Person"}


def test_invitation_accept_without_tokens_logs_in_with_the_returned_email(client, desk_data):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/invitations/accept", {"accountId": "u-bob", "email": "bob@example.com"})
    form = {"token": "inv-1", "display_name": "Bob", "password": "long-password",
            "password_confirm": "long-password", "csrf_token": csrf_of(client, "/portal/invitation?token=inv-1")}

    assert client.post("/portal/invitation", data=form).headers["Location"] == "/"
    assert json.loads(identity.last("/login").content)["email"] == "bob@example.com"


def test_invitation_passwords_must_match(client, identity):
    form = {"token": "inv-1", "display_name": "Bob", "password": "long-password",
            "password_confirm": "other-password", "csrf_token": csrf_of(client, "/portal/invitation?token=inv-1")}

    page = client.post("/portal/invitation", data=form)

    assert page.status_code == 400
    assert "The two passwords do not match." in page.get_data(as_text=True)
    # Only the page's link check (when it opened) reached identity: nothing was accepted.
    assert [r.url.path for r in identity.requests] == ["/api/identity/links/check"]


def test_expired_invitation_says_what_to_do(client, identity):
    identity.on("POST", "/api/identity/invitations/accept", {"errorMessage": "expired"}, status=410)
    form = {"token": "inv-1", "display_name": "Bob", "password": "long-password",
            "password_confirm": "long-password", "csrf_token": csrf_of(client, "/portal/invitation?token=inv-1")}

    html = client.post("/portal/invitation", data=form).get_data(as_text=True)

    assert "already used or has expired" in html


def test_signup_then_confirm(client, desk_data, tokens):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/signup", None, status=202)
    identity.on("POST", "/api/identity/signup/confirm",
                {"access_token": tokens.mint(email="ext@example.com"), "expires_in": 900, "refresh_token": "r"})

    sent = client.post("/portal/signup", data={"email": "ext@example.com",
                                                "csrf_token": csrf_of(client, "/portal/signup")})
    assert "Check your email" in sent.get_data(as_text=True)
    assert json.loads(identity.last("/signup").content) == {"email": "ext@example.com"}

    form = {"token": "s-1", "display_name": "Ext", "password": "long-password", "password_confirm": "long-password",
            "csrf_token": csrf_of(client, "/portal/signup/confirm?token=s-1")}
    assert client.post("/portal/signup/confirm", data=form).headers["Location"] == "/"


def test_forgot_and_reset_password(client, identity):
    identity.on("POST", "/api/identity/password/forgot", None, status=202)
    identity.on("POST", "/api/identity/password/reset", None, status=204)

    page = client.post("/portal/forgot-password", data={"email": "alice@example.com",
                                                         "csrf_token": csrf_of(client, "/portal/forgot-password")})
    assert "If an account exists for alice@example.com" in page.get_data(as_text=True)

    form = {"token": "rst-1", "password": "brand-new-pass", "password_confirm": "brand-new-pass",
            "csrf_token": csrf_of(client, "/portal/reset-password?token=rst-1")}
    done = client.post("/portal/reset-password", data=form)
    assert done.headers["Location"] == "/portal/login"
    assert json.loads(identity.last("/reset").content) == {"token": "rst-1", "password": "brand-new-pass"}


def test_an_expired_access_token_is_refreshed_transparently(client, desk_data, tokens, monkeypatch):
    identity, tickets = desk_data
    fresh = tokens.mint(account_id="u-alice", email="alice@example.com")
    identity.on("POST", "/api/identity/refresh",
                {"access_token": fresh, "expires_in": 900, "refresh_token": "r-2"})
    log_in(client)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)

    page = client.get("/")

    assert page.status_code == 200
    refreshes = [json.loads(r.content) for r in identity.requests if r.url.path.endswith("/refresh")]
    assert refreshes[0] == {"refresh_token": "r-1"}
    assert tickets.last("/request").headers["Authorization"] == f"Bearer {fresh}"


def test_a_refused_refresh_sends_the_visitor_to_login(client, desk_data, monkeypatch):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/refresh", {"errorMessage": "revoked"}, status=401)
    log_in(client)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)

    response = client.get("/portal/requests/AM-1")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login")


def test_a_token_the_service_rejects_is_refreshed_once(client, desk_data, tokens):
    identity, tickets = desk_data
    fresh = tokens.mint(account_id="u-alice", email="alice@example.com")
    identity.on("POST", "/api/identity/refresh", {"access_token": fresh, "expires_in": 900})
    log_in(client)
    tickets.on("GET", "/rest/servicedeskapi/servicedesk",
               lambda r: httpx.Response(200, json={"values": [], "isLastPage": True})
               if r.headers["Authorization"] == f"Bearer {fresh}" else httpx.Response(401, json={}))

    assert client.get("/").status_code == 200
    assert identity.last("/refresh")


def test_session_cookie_is_secure_with_host_prefix_by_default(identity, tickets):
    from gateway.app import create_app
    from gateway.settings import Settings

    app = create_app(Settings(identity_url="http://i", tickets_url="http://t", secret_key="k"),
                     transports={"identity": identity.transport(), "tickets": tickets.transport()})
    response = app.test_client().get("/portal/login", base_url="https://desk.example.com")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-sd_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_post_after_the_session_ended_returns_to_the_form_page_after_login(client, desk_data, monkeypatch):
    identity, _ = desk_data
    identity.on("POST", "/api/identity/refresh", {"errorMessage": "revoked"}, status=401)
    log_in(client)
    token = csrf_of(client, "/portal/requests/AM-1")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)

    response = client.post("/portal/requests/AM-1/comment", data={"body": "hi", "csrf_token": token},
                           headers={"Referer": "http://localhost/portal/requests/AM-1"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/login?next=/portal/requests/AM-1"
