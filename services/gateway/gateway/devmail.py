"""Developer mailbox: the ``.eml`` files ``make run`` writes, listed and readable in the browser.

Only registered when ``DEV_MAILBOX`` is set, so production answers 404 at these paths.
"""
from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, render_template
from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"']+")
NAME = re.compile(r"^[A-Za-z0-9._+-]+\.eml$")


def _parse(path: Path, headers_only: bool = False) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)


def list_messages(folder: Path) -> list[dict]:
    """Every ``.eml`` in ``folder``, newest first, with its envelope headers."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    listing = []
    for path in files:
        message = _parse(path, headers_only=True)
        listing.append({"name": path.name, "to": message.get("To", ""), "subject": message.get("Subject", ""),
                        "date": message.get("Date", "")})
    return listing


def text_body(message: EmailMessage) -> str:
    """The plain-text part (or the HTML part as text when there is no plain one)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    return part.get_content()


def linkify(text: str) -> Markup:
    """Escape ``text`` and turn its http(s) URLs into links."""
    parts, last = [], 0
    for match in URL.finditer(text):
        parts.append(escape(text[last:match.start()]))
        # Markup's % operator escapes the URL for both the attribute and the text.
        parts.append(Markup('<a href="%s">%s</a>') % (match.group(0), match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def devmail_blueprint(folder: str) -> Blueprint:
    """Pages over the mailbox ``folder``."""
    bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
    root = Path(folder)

    @bp.get("")
    @bp.get("/")
    def index():
        return render_template("dev/mail_list.html", messages=list_messages(root))

    @bp.get("/<name>")
    def show(name: str):
        # The name must be a plain file name of the folder: no path can escape it.
        if not NAME.match(name) or not (root / name).is_file():
            abort(404)
        message = _parse(root / name)
        headers = [(k, message.get(k, "")) for k in ("From", "To", "Subject", "Date")]
        return render_template("dev/mail_view.html", name=name, headers=headers,
                               body=linkify(text_body(message)))

    return bp
