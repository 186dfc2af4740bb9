"""Fakes for the upstream services (httpx.MockTransport) and a gateway wired to them."""
from __future__ import annotations

import json
import re
from typing import Callable

import httpx
import pytest

from common.testing import TokenFactory
from gateway.app import create_app
from gateway.settings import Settings

Handler = Callable[[httpx.Request], httpx.Response]


class FakeService:
    """An upstream that answers from a route table and records every request it gets."""

    def __init__(self, name: str):
        self.name = name
        self.routes: list[tuple[str, re.Pattern, Handler]] = []
        self.requests: list[httpx.Request] = []
        self.down = False

    def on(self, method: str, path: str, answer=None, status: int = 200, headers: dict | None = None):
        """Answer ``method path`` (a regex, anchored) with JSON ``answer`` or a handler."""
        if callable(answer):
            handler = answer
        else:
            def handler(_request, answer=answer, status=status, headers=headers):
                if answer is None:
                    return httpx.Response(status, headers=headers)
                return httpx.Response(status, json=answer, headers=headers)
        self.routes.insert(0, (method, re.compile(path + "$"), handler))
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        request.read()
        self.requests.append(request)
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.match(request.url.path):
                return handler(request)
        return httpx.Response(404, json={"errorMessage": f"{self.name}: nothing at {request.url.path}"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def last(self, path_fragment: str = "") -> httpx.Request:
        """The last request whose path contains ``path_fragment``."""
        for request in reversed(self.requests):
            if path_fragment in request.url.path:
                return request
        raise AssertionError(f"{self.name} got no request for {path_fragment!r}")

    def json_of(self, path_fragment: str = "") -> dict:
        return json.loads(self.last(path_fragment).content)


@pytest.fixture
def identity() -> FakeService:
    return FakeService("identity")


@pytest.fixture
def tickets() -> FakeService:
    return FakeService("tickets")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(identity_url="http://identity.test", tickets_url="http://tickets.test",
                    secret_key="test-secret", public_url="http://portal.test", session_cookie_secure=False)


@pytest.fixture
def app(settings, identity, tickets):
    app = create_app(settings, transports={"identity": identity.transport(), "tickets": tickets.transport()})
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client, path: str = "/portal/login") -> str:
    """The CSRF token a page embeds in its forms."""
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def paged(values: list) -> dict:
    return {"_expands": [], "size": len(values), "start": 0, "limit": 50, "isLastPage": True,
            "_links": {}, "values": values}


def date(iso: str = "2026-11-20T10:15:00+0000") -> dict:
    return {"iso8601": iso, "jira": iso, "friendly": iso, "epochMillis": 0}


def request_dto(key="AM-1", status="Waiting for support", summary="Fingerprints missing") -> dict:
    return {
        "issueId": "1", "issueKey": key, "requestTypeId": "10", "serviceDeskId": "1",
        "createdDate": date(), "reporter": {"accountId": "u-alice", "emailAddress": "alice@example.com",
                                            "displayName": "Alice"},
        "requestFieldValues": [
            {"fieldId": "summary", "label": "Summary", "value": summary},
            {"fieldId": "description", "label": "Description", "value": "Since Monday <b>nothing</b>"},
        ],
        "currentStatus": {"status": status, "statusCategory": "NEW", "statusDate": date()},
        "_links": {},
    }


@pytest.fixture
def desk_data(identity, tickets, tokens):
    """Upstreams that know Alice (customer of Acme Media), an agent, a desk AM and one request AM-1."""
    def login(request):
        email = json.loads(request.content)["email"]
        role = "agent" if email.startswith("agent") else "admin" if email.startswith("admin") else "customer"
        lang = "fr" if email.startswith("francine") else "en"
        token = tokens.mint(account_id=f"u-{email.split('@')[0]}", email=email, role=role,
                            name=email.split("@")[0].title(), language=lang)
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 900,
                                         "refresh_token": "r-1"})

    identity.on("POST", "/api/identity/login", login)
    identity.on("GET", "/api/identity/me", {"accountId": "u-alice", "email": "alice@example.com",
                                           "displayName": "Alice", "language": "en", "role": "customer",
                                           "organizationIds": ["1"]})
    identity.on("GET", "/api/identity/me/tokens", {"values": [
        {"id": "7", "label": "ci script", "createdAt": "2026-11-20T10:00:00+00:00", "lastUsedAt": None}]})
    identity.on("GET", "/rest/servicedeskapi/organization", paged([{"id": "1", "name": "Acme Media"}]))
    tickets.on("GET", "/rest/servicedeskapi/servicedesk",
               paged([{"id": "1", "projectId": "1", "projectName": "Audio Matching", "projectKey": "AM"}]))
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1",
               {"id": "1", "projectId": "1", "projectName": "Audio Matching", "projectKey": "AM"})
    tickets.on("GET", "/api/tickets/desks",
               paged([{"id": "1", "projectId": "1", "projectName": "Audio Matching", "projectKey": "AM",
                       "active": True, "restricted": False, "allowParticipantInvites": True, "emailAddress": None,
                       "emailSignup": False, "emailRequireDmarc": False}]))
    tickets.on("GET", "/api/tickets/desks/1",
               {"id": "1", "projectId": "1", "projectName": "Audio Matching", "projectKey": "AM",
                "active": True, "restricted": False, "allowParticipantInvites": True,
                "emailAddress": None, "emailRequestTypeId": None, "emailSignup": False, "emailRequireDmarc": False})
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype",
               paged([{"id": "10", "name": "Incident", "description": "Something is broken"},
                      {"id": "11", "name": "Question", "description": "Ask us"}]))
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10",
               {"id": "10", "name": "Incident", "helpText": "Tell us what happened"})
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/requesttype/10/field", {"requestTypeFields": [
        {"fieldId": "summary", "name": "Summary", "required": True, "validValues": [],
         "jiraSchema": {"type": "string"}},
        {"fieldId": "description", "name": "Description", "required": False, "validValues": [],
         "jiraSchema": {"type": "string", "system": "description"}},
        {"fieldId": "customfield_1", "name": "Product", "required": False,
         "validValues": [{"value": "tv", "label": "TV"}, {"value": "radio", "label": "Radio"}]},
        {"fieldId": "organizations", "name": "Share with", "required": False, "visible": True,
         "validValues": [{"value": "1", "label": "Acme Media", "children": []}],
         "defaultValues": [{"value": "1", "label": "Acme Media", "children": []}],
         "jiraSchema": {"type": "array", "custom": "com.atlassian.servicedesk:sd-customer-organizations"}},
    ], "canRaiseOnBehalfOf": False, "canAddRequestParticipants": True})
    tickets.on("GET", "/rest/servicedeskapi/request", paged([request_dto()]))
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1", request_dto())
    tickets.on("GET", "/api/tickets/requests/AM-1", {
        "request": request_dto(), "status": "Waiting for support",
        "organizations": [{"id": "1", "name": "Acme Media"}],
        "participants": [{"accountId": "u-bob", "displayName": "Bob"}], "assignee": None,
        "transitions": [{"id": "2", "name": "Close request"}], "subscribed": True, "canEdit": True,
    })
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([
        {"id": "5", "body": "We are on it <script>", "public": True, "created": date(),
         "author": {"displayName": "Agent Smith"}},
    ]))
    tickets.on("GET", "/api/tickets/queues", paged([request_dto()]))
    return identity, tickets


def log_in(client, email: str = "alice@example.com", password: str = "demo-password-1"):
    """Log in through the portal form; returns the redirect response."""
    return client.post("/portal/login", data={"email": email, "password": password,
                                              "csrf_token": csrf_of(client)})
