"""Every page template renders, in English and French, signed in or not."""
from pathlib import Path

import pytest
from flask import render_template, session

import gateway
from gateway.app import create_app
from gateway.settings import Settings
from gateway.portal.presenters import page_window

from .conftest import date, paged, request_dto

TEMPLATES = Path(gateway.__file__).parent / "templates"
PAGES = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
               if p.name not in ("base.html", "macros.html") and not p.name.startswith("_"))


def context() -> dict:
    req = request_dto()
    req["requestType"] = {"id": "10", "name": "Incident"}
    req["serviceDesk"] = {"id": "1", "projectName": "Audio Matching"}
    desk = {"id": "1", "projectName": "Audio Matching", "description": "Audio products"}
    return {
        "errors": {"_form": "Something failed", "email": "Enter your email address."},
        "email": "alice@example.com", "next": "/", "token": "tok", "display_name": "Alice",
        "title": "Title", "message": "Message", "status": 404,
        "desks": [desk], "desk": desk, "desk_names": {"1": "Audio Matching"}, "items": [req],
        "tabs": [("all", "All"), ("org-1", "Acme Media")],
        "filters": {"tab": "all", "status": "open", "desk": "1", "type": "", "q": "x"},
        "window": page_window(20, 20, 1, False), "page_args": lambda start: f"start={start}",
        "request_types": [{"id": "10", "name": "Incident", "description": "Broken"}],
        "request_type": {"id": "10", "name": "Incident", "helpText": "Help"},
        "fields": [{"fieldId": "summary", "name": "Summary", "required": True, "kind": "text"},
                   {"fieldId": "description", "name": "Description", "kind": "textarea"},
                   {"fieldId": "product", "name": "Product", "kind": "select",
                    "validValues": [{"value": "tv", "label": "TV"}]}],
        "values": {"summary": "s", "description": "d", "product": "tv"},
        "organisations": [{"id": "1", "name": "Acme Media"}], "share": "1",
        "req": req, "comments": paged([{"id": "1", "body": "hi", "public": False, "created": date(),
                                        "author": {"displayName": "A"}}])["values"],
        "attachments": [{"id": "3", "filename": "screen.png", "size": 2048, "public": False, "hasThumbnail": True,
                         "commentId": "1", "author": {"displayName": "A"}, "created": date()}],
        "files_by_comment": {"1": [{"id": "3", "filename": "screen.png", "size": 2048, "public": False,
                                    "hasThumbnail": True, "author": {"displayName": "A"}, "created": date()}]},
        "transitions": [{"id": "2", "name": "Close"}], "participants": [{"displayName": "Bob"}],
        "shared": [{"id": "1", "name": "Acme Media"}], "subscribed": False, "comment": "", "body": "",
        "me": {"displayName": "Alice", "emailAddress": "alice@example.com", "language": "fr"},
        "tokens": [{"id": "7", "label": "ci", "createdAt": "2026-11-20T10:00:00+00:00",
                    "lastUsedAt": "2026-11-21T10:00:00+00:00"}],
        "new_token": "secret",
        "queue": "open", "queues": {"open": "Open", "all": "All"}, "emails": "a@example.com",
        "messages": [{"name": "a.eml", "to": "x@example.com", "subject": "Hi", "date": "today"}],
        "name": "a.eml", "headers": [("From", "a"), ("To", "b"), ("Subject", "c"), ("Date", "d")],
        "counts": {"open": "3", "all": "100+"}, "my_id": "u",
        "agents": [{"accountId": "u", "displayName": "Agent"}, {"accountId": "u2", "emailAddress": "b@x"}],
        "assignee": {"accountId": "u2", "displayName": "B"},
        "org": {"id": "1", "name": "Acme Media"},
        "members": [{"accountId": "u-a", "displayName": "Alice", "email": "alice@example.com"}],
        "customers": [{"accountId": "u-a", "displayName": "Alice", "email": "alice@example.com", "active": True},
                      {"accountId": "u-b", "email": "bob@example.com", "active": False, "kind": "external"}],
        "invitations": {"u-a": {"state": "expired"}}, "states": {"expired": "Expired"}, "q": "ali",
        "agents_missing": None, "settings": {"active": True, "restricted": None, "allowParticipantInvites": False,
                     "emailSignup": False, "emailRequireDmarc": False},
        "form": {}, "rows": [{"fieldId": "summary", "name": "Summary", "required": True, "type": "text",
                              "options": ""},
                             {"fieldId": "", "name": "", "required": False, "type": "text", "options": ""}],
        "people": [{"accountId": "u-c", "displayName": "Carol", "emailAddress": "carol@example.com"}],
        "people_query": "car", "member_of_shared": True,
        # Console queue, timeline, customer context, raise on behalf, confirmation pages.
        "state": {"desk": "1", "queue": "open", "sort": "-created", "start": 0,
                  "filters": {"q": "printer", "status": "In progress", "type": "10", "assignee": "u", "org": "1"}},
        "total": 1, "statuses": ["Waiting for support", "In progress"], "bulk_transitions": [("1", "Start progress")],
        "page_address": lambda state, **changes: "desk=1", "sort_link": lambda state, column: ("sort=key", "none"),
        "timeline": [{"type": "change", "kind": "status", "text": "changed the status", "actor": {"displayName": "A"},
                      "date": date(), "internal": False},
                     {"type": "comment", "comment": {"id": "1", "body": "hi", "public": False, "created": date(),
                                                     "author": {"displayName": "A"}}, "internal": True}],
        "context": {"organizations": [{"id": "1", "name": "Acme Media"}], "recentRequests": [request_dto("AM-2")]},
        "customer": "alice@example.com", "question": "Remove Bob?", "detail": "Bob stops seeing it.",
        "action_label": "Remove", "action": "/portal/requests/AM-1/participants/remove",
        "hidden_fields": [("account_id", "u-b")], "back": "/portal/requests/AM-1",
    }


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory):
    """One app for all renders (with the developer mailbox, whose pages are templates too)."""
    settings = Settings(identity_url="http://i", tickets_url="http://t", secret_key="k",
                        dev_mailbox=str(tmp_path_factory.mktemp("mail")))
    return create_app(settings)


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
@pytest.mark.parametrize("template", PAGES)
def test_template_renders(pages_app, template, language, signed_in):
    with pages_app.test_request_context("/"):
        session["lang"] = language
        if signed_in:
            session["at"] = "token"
            session["acct"] = {"id": "u", "email": "a@example.com", "name": "Agent", "role": "agent",
                               "language": language}
        html = render_template(template, **context())
    assert f'<html lang="{language}">' in html
    assert "</html>" in html


def test_french_pages_are_in_french(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        html = render_template("portal/create.html", **context())
    assert "Partager avec" in html and "Demande privée" in html and "Créer" in html
