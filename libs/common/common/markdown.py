"""Ticket text (descriptions, comments) as safe HTML: markdown with raw HTML off, then an allowlist.

The portal, the console and the API's ``renderedBody`` all render with it.

Markdown-it already refuses raw HTML and dangerous link schemes; nh3 is the second wall, so a
parser bug or a future option change cannot let a script or an event handler through.
"""
from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
})
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
MAX_CHARS = 100_000


@functools.lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" is CommonMark plus tables and strikethrough, with html=False; ticket authors
    # expect a line break where they typed one.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False, "breaks": True})


def to_html(text: object) -> Markup:
    """``text`` (markdown written by a person) as sanitised HTML, safe to place in a page."""
    if text is None:
        return Markup("")
    source = str(text)[:MAX_CHARS]
    rendered = _parser().render(source)
    cleaned = nh3.clean(rendered, tags=set(TAGS), attributes={k: set(v) for k, v in ATTRIBUTES.items()},
                        url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True)
    return Markup(cleaned)
