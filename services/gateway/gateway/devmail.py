"""Developer mailbox: the ``.eml`` files ``make run`` writes, listed and readable in the browser.

Only registered when ``DEV_MAILBOX`` is set, so production answers 404 at these paths. With
``DEV_MAIL_IN`` (the folder ``make run`` takes inbound email from), each email can be answered
"as the recipient": the page writes the reply a mail client would send (From the recipient, To the
Reply-To, In-Reply-To and References set, the original quoted below) into that folder.
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from email.utils import formatdate, make_msgid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from .i18n import _

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


def reply_as_recipient(original: EmailMessage, text: str) -> EmailMessage:
    """The reply a mail client writes: to the Reply-To (else the From), threaded, original quoted."""
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = str(original.get("To", ""))
    reply["To"] = str(original.get("Reply-To") or original.get("From", ""))
    subject = str(original.get("Subject", ""))
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = formatdate(localtime=False, usegmt=True)
    reply["Message-ID"] = make_msgid(domain="devmail.localhost")
    if original.get("Message-ID"):
        reply["In-Reply-To"] = str(original["Message-ID"])
        reply["References"] = " ".join(filter(None, [str(original.get("References", "")), str(original["Message-ID"])]))
    quoted = "\n".join("> " + line for line in text_body(original).splitlines())
    when, who = original.get("Date", ""), original.get("From", "")
    reply.set_content(f"{text.strip()}\n\nOn {when}, {who} wrote:\n{quoted}\n")
    return reply


def write_eml(folder: Path, message: EmailMessage) -> Path:
    """Write ``message`` into ``folder`` atomically (a dot-file first, then the final name)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".reply-", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    final = folder / f"reply-{uuid.uuid4().hex}.eml"
    os.replace(tmp, final)
    return final


def devmail_blueprint(folder: str, mail_in: str | None = None) -> Blueprint:
    """Pages over the mailbox ``folder``; replies go to ``mail_in`` when it is set."""
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
        if message.get("Reply-To"):
            headers.append(("Reply-To", message["Reply-To"]))
        return render_template("dev/mail_view.html", name=name, headers=headers,
                               body=linkify(text_body(message)), can_reply=bool(mail_in),
                               recipient=str(message.get("To", "")))

    @bp.post("/<name>/reply")
    def reply(name: str):
        if not mail_in or not NAME.match(name) or not (root / name).is_file():
            abort(404)
        text = request.form.get("body", "")
        if not text.strip():
            flash(_("Write a reply first."), "error")
            return redirect(url_for("devmail.show", name=name))
        written = write_eml(Path(mail_in), reply_as_recipient(_parse(root / name), text))
        flash(_("Reply written to %(file)s; it is taken in within a few seconds.", file=written.name), "info")
        return redirect(url_for("devmail.show", name=name))

    return bp
