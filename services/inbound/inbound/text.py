"""The text of an email: the plain part (or the HTML part turned into Markdown), then what the
sender wrote without the quoted history and signature (``mail-parser-reply``).

The result becomes a comment body, rendered by the portal exactly like a comment typed there
(Markdown with raw HTML off, then nh3), so nothing of the email's HTML reaches a page as HTML.
"""
from __future__ import annotations

import re
import unicodedata
from email.message import EmailMessage

import html2text
from mailparser_reply import EmailReplyParser

from common.i18n import SUPPORTED

# Replies are cut at the quote header of mail clients in every offered language and a few more
# (what customers' clients may write is not limited to the languages the product speaks).
REPLY_LANGUAGES = list(dict.fromkeys([*SUPPORTED, "it", "nl", "pt", "sv"]))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_parser = EmailReplyParser(languages=REPLY_LANGUAGES)


def clean(text: str) -> str:
    """Normalised text without NULs and control characters (PostgreSQL refuses NUL)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_RUNS.sub("\n\n", _CONTROL.sub("", text)).strip()


def html_to_text(html: str) -> str:
    """HTML as Markdown text: links kept as links, images and scripts dropped."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = False
    converter.unicode_snob = True
    return converter.handle(html)


def body_text(message: EmailMessage) -> str:
    """The whole body as text: text/plain preferred, else text/html converted."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return clean(content)


def latest_reply(text: str) -> str:
    """What the sender wrote above the quoted history, without the signature."""
    if not text:
        return ""
    parsed = _parser.read(text)
    if not parsed.replies:
        return text
    first = parsed.replies[0]
    return clean(first.body or first.full_body or "")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; says so when it cut (the whole email stays in the store)."""
    if len(text) <= limit:
        return text
    note = "\n\n[…] (truncated: the email was longer)"
    return text[: limit - len(note)].rstrip() + note
