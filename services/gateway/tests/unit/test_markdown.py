"""Markdown in descriptions and comments: rendered, then sanitised (the XSS corpus of §2.8)."""
from html.parser import HTMLParser

import pytest

from gateway.markdown import TAGS, to_html

from .conftest import log_in, paged, request_dto

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(2)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\nscript:alert(1))",
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<iframe src=https://evil.example></iframe>",
    '[a](https://ok.example "t" onmouseover="alert(1)")',
]


class Elements(HTMLParser):
    """The tags and attributes a browser would build from an HTML fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("payload", XSS)
def test_no_script_survives(payload):
    elements = Elements(str(to_html(payload))).found
    for tag, attributes in elements:
        assert tag in TAGS, tag
        assert not any(name.startswith("on") or name in ("style", "src") for name in attributes), attributes
        href = (attributes.get("href") or "").strip().lower()
        assert not href or href.startswith(("http:", "https:", "mailto:")), href


def test_entities_stay_text():
    assert str(to_html("&lt;b&gt;x")) == "<p>&lt;b&gt;x</p>\n"


def test_markdown_is_rendered():
    html = str(to_html("**bold** and *it*\n\n- one\n- two\n\n`code`"))
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<li>one</li>" in html
    assert "<code>code</code>" in html


def test_links_get_a_safe_rel():
    html = str(to_html("[docs](https://example.com/a) <https://example.com/b>"))
    assert html.count('rel="nofollow noopener noreferrer"') == 2
    assert 'href="https://example.com/a"' in html


def test_line_breaks_are_kept():
    assert "<br" in str(to_html("line one\nline two"))


def test_none_is_empty():
    assert str(to_html(None)) == ""


def test_portal_and_console_render_the_same_safe_html(client, desk_data):
    _, tickets = desk_data
    dto = request_dto()
    dto["requestFieldValues"][1]["value"] = "**Since Monday** <script>alert(1)</script>"
    detail = tickets.routes  # the detail route answers with request_dto(); replace both
    tickets.on("GET", "/api/tickets/requests/AM-1", {
        "request": dto, "organizations": [], "participants": [], "assignee": None,
        "transitions": [], "subscribed": True})
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/comment", paged([
        {"id": "5", "body": "[x](javascript:alert(1)) <img src=x onerror=alert(1)> _ok_", "public": True,
         "author": {"displayName": "A"}}]))
    assert detail
    log_in(client, "agent@example.com")
    for path in ("/portal/requests/AM-1", "/agent/requests/AM-1"):
        html = client.get(path).get_data(as_text=True)
        assert "<strong>Since Monday</strong>" in html and "&lt;script&gt;alert(1)" in html
        # The only scripts are the page's own files (attachments, confirmations), never user text.
        assert html.count("<script") == 2 and '<script src="/static/attachments.js" defer>' in html
        assert '<script src="/static/confirm.js" defer>' in html
        assert "<img" not in html and 'href="javascript' not in html
        assert "<em>ok</em>" in html
