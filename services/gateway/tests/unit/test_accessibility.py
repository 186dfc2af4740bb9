"""Accessibility checks on every page, in both languages, for every kind of account.

Each page must have exactly one h1, one main landmark, a skip link to it, and a label for every
form control; the error summary must take focus without script (autofocus).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template, session

import gateway

from gateway.app import create_app
from gateway.settings import Settings

from .test_templates_render import PAGES, context

ROLES = {"customer": "customer", "agent": "agent", "admin": "admin"}


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory):
    """One app for all renders (with the developer mailbox, whose pages are templates too)."""
    settings = Settings(identity_url="http://i", tickets_url="http://t", secret_key="k",
                        dev_mailbox=str(tmp_path_factory.mktemp("mail")))
    return create_app(settings)


class Page(HTMLParser):
    """What the checks need from a page: controls, labels, headings, landmarks."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.h1 = 0
        self.mains: list[dict] = []
        self.ids: list[str] = []
        self.skip_links: list[str] = []
        self.error_summaries: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            if attributes.get("type") not in ("hidden", "submit", "button"):
                self.controls.append(dict(attributes, _tag=tag, _wrapped=self.open_labels > 0))
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main" or attributes.get("role") == "main":
            self.mains.append(attributes)
        elif tag == "a" and "skip-link" in (attributes.get("class") or ""):
            self.skip_links.append(attributes.get("href", ""))
        if "error-summary" in (attributes.get("class") or "").split():
            self.error_summaries.append(attributes)

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        return [f"<{c['_tag']} name={c.get('name')!r}>" for c in self.controls
                if not (c["_wrapped"] or c.get("aria-label") or c.get("aria-labelledby")
                        or (c.get("id") and c["id"] in self.label_for))]


def render(app, template: str, language: str, role: str | None) -> str:
    with app.test_request_context("/"):
        session["lang"] = language
        if role:
            session["at"] = "token"
            session["acct"] = {"id": "u", "email": "a@example.com", "name": "Someone", "role": role,
                               "language": language}
        return render_template(template, **context())


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
@pytest.mark.parametrize("template", PAGES)
def test_page_structure_and_labels(pages_app, template, language, role):
    page = Page(render(pages_app, template, language, role))

    assert page.unlabelled() == [], f"{template}: controls without a label"
    assert page.h1 == 1, f"{template}: {page.h1} h1 elements"
    assert len(page.mains) == 1 and page.mains[0].get("id") == "main"
    assert page.skip_links == ["#main"]
    duplicated = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert duplicated == [], f"{template}: duplicate ids {duplicated}"
    for summary in page.error_summaries:
        assert "autofocus" in summary and summary.get("tabindex") == "-1" and summary.get("role") == "alert"


def test_admin_menu_only_for_admins(pages_app):
    assert 'href="/admin/desks"' in render(pages_app, "portal/home.html", "en", "admin")
    assert 'href="/admin/desks"' not in render(pages_app, "portal/home.html", "en", "agent")
    assert 'href="/agent/customers"' not in render(pages_app, "portal/home.html", "en", "customer")


def test_error_pages_title_says_there_is_an_error(pages_app):
    html = render(pages_app, "portal/login.html", "fr", None)
    assert re.search(r"<title>Erreur", html)


# Colour contrast (WCAG 2.1 AA: 4.5:1 for text) of the pairs the sheet uses.

CSS = (Path(gateway.__file__).parent / "static/portal.css").read_text()
VARIABLE = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})")


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PAIRS = [
    ("ink", "paper"), ("ink", "tint"), ("muted", "paper"), ("muted", "tint"), ("brand", "paper"),
    ("brand", "tint"), ("brand-dark", "paper"), ("danger", "paper"), ("ok", "paper"), ("on-brand", "brand"),
    ("on-brand", "brand-dark"), ("internal-ink", "internal-tag"), ("ink", "internal-bg"),
    ("muted", "internal-bg"), ("ink", "waiting-bg"), ("ink", "done-bg"),
]


@pytest.mark.parametrize("foreground,background", PAIRS)
def test_text_colours_have_enough_contrast(foreground, background):
    colours = dict(VARIABLE.findall(CSS))
    assert contrast(colours[foreground], colours[background]) >= 4.5


def test_focus_is_always_visible():
    assert ":focus-visible" in CSS and "outline: none" not in CSS.replace(" ", " ")
    assert ".skip-link:focus" in CSS


# The same checks on pages served through the routes, against fake upstreams.

ROUTES = {
    None: ["/portal/login", "/portal/signup", "/portal/forgot-password", "/portal/invitation?token=t",
           "/portal/reset-password?token=t", "/portal/signup/confirm?token=t", "/nowhere"],
    "alice@example.com": ["/", "/?status=all&desk=1", "/portal/desks/1", "/portal/desks/1/create/10",
                          "/portal/requests/AM-1", "/portal/requests/AM-1?people=bo", "/portal/requests/AM-1/mute",
                          "/portal/profile", "/agent"],
    "agent@example.com": ["/agent?desk=1", "/agent/requests/AM-1", "/agent/invite", "/agent/customers?q=a",
                          "/agent/organisations", "/agent/organisations/1", "/admin/desks"],
    "admin@example.com": ["/admin/desks", "/admin/desks/1", "/admin/desks/1/requesttypes/10"],
}


@pytest.fixture
def full_data(desk_data):
    identity, tickets = desk_data
    tickets.on("GET", "/api/tickets/people", {"values": [{"accountId": "u-bob", "displayName": "Bob"}]})
    tickets.on("GET", "/api/tickets/desks/1/agents", {"values": [{"accountId": "u-agent", "displayName": "A"}],
                                                      "isLastPage": True})
    tickets.on("GET", "/rest/servicedeskapi/servicedesk/1/organization", {"values": [{"id": "1", "name": "Acme"}]})
    identity.on("GET", "/api/identity/accounts", {"values": [
        {"accountId": "u-c", "email": "c@example.com", "active": True}], "isLastPage": True})
    identity.on("GET", "/api/identity/invitations", {"values": [{"accountId": "u-c", "state": "pending"}]})
    identity.on("GET", "/api/identity/organisations", {"values": [{"id": "1", "name": "Acme"}]})
    identity.on("GET", "/rest/servicedeskapi/organization/1", {"id": "1", "name": "Acme"})
    identity.on("GET", "/api/identity/organisations/1/members", {"values": [
        {"accountId": "u-alice", "email": "alice@example.com"}]})
    return desk_data


@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
@pytest.mark.parametrize("who", list(ROUTES))
def test_served_pages(client, full_data, who, language):
    from .conftest import log_in
    if who:
        log_in(client, who)
        with client.session_transaction() as stored:
            stored["acct"] = dict(stored["acct"], language=language)
    for path in ROUTES[who]:
        response = client.get(path, headers={"Accept-Language": language})
        assert f'<html lang="{language}">' in response.get_data(as_text=True), path
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        page = Page(response.get_data(as_text=True))
        assert page.unlabelled() == [], path
        assert page.h1 == 1 and len(page.mains) == 1 and page.skip_links == ["#main"], path
