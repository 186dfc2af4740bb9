"""Raw bytes of an email -> what the rest of the system needs to know about it (pure, no I/O).

``parse`` raises ``Unparseable`` for anything it cannot read safely (no sender address, broken
headers); the intake keeps such messages in the dead-letter store instead of guessing.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from common.limits import LONG_TEXT
from . import text as texts
from .authresults import dmarc_verdict
from .classify import classify

_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_KEY = 250


class Unparseable(ValueError):
    """The message cannot be read safely; it goes to the dead-letter store."""


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    content: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Parsed:
    message_id: str | None
    from_address: str
    from_name: str | None
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    full_text: str
    text: str
    dmarc: str
    kind: str
    language: str | None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    @property
    def message_key(self) -> str | None:
        """The Message-ID as a dedupe key (a digest when it is overlong)."""
        if not self.message_id:
            return None
        if len(self.message_id) <= MAX_KEY:
            return self.message_id
        return "sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()


def content_hash(raw: bytes) -> str:
    """A digest of what the sender sent, not of what transports added on the way.

    The same email fetched over IMAP and delivered over LMTP differs in its Received, Delivered-To
    and Authentication-Results lines; its body and its author's headers do not.
    """
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(head + b"\n\n", headersonly=True)
        stable = "\n".join(f"{name}:{message.get(name, '')}" for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID"))
    except Exception:  # pragma: no cover - compat32 parses anything
        stable = ""
    return hashlib.sha256(stable.encode("utf-8", "replace") + b"\0" + body).hexdigest()


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    values = message.get_all(name) or []
    found = []
    for display, address in getaddresses([str(v) for v in values]):
        address = address.strip()
        if address and "@" in address and not _CONTROL.search(address) and " " not in address:
            found.append((display.strip(), address.lower()))
    return found


def _ids(message: EmailMessage, name: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(" ".join(str(v) for v in message.get_all(name) or [])))


def _attachment(part) -> Attachment:
    content = part.get_payload(decode=True) or b""
    name = part.get_filename()
    return Attachment(_CONTROL.sub(" ", name).strip() if name else None, part.get_content_type(), len(content),
                      content)


def _header(message: EmailMessage, name: str) -> str:
    return _CONTROL.sub(" ", str(message.get(name, "") or "")).strip()


def parse(raw: bytes, *, envelope_from: str | None = None, recipients: tuple[str, ...] = (),
          trusted_authserv_ids: tuple[str, ...] = (), max_text_chars: int = LONG_TEXT) -> Parsed:
    """Read one email; ``recipients`` are the envelope's when the transport knows them."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        sender = _addresses(message, "From")
        if not sender:
            raise Unparseable("the message has no usable From address")
        from_name, from_address = sender[0]
        headers = {name.lower(): str(value) for name, value in message.items()}
        message_ids = _ids(message, "Message-ID")
        delivered = [a for _, a in _addresses(message, "Delivered-To") + _addresses(message, "X-Original-To")]
        full = texts.body_text(message)
        reply = texts.latest_reply(full)
        attachments = tuple(_attachment(part) for part in message.iter_attachments())
        language = (_header(message, "Content-Language").split(",")[0].strip() or None)
        reply_to = _addresses(message, "Reply-To")
        return Parsed(
            message_id=message_ids[0] if message_ids else None,
            from_address=from_address, from_name=from_name or None,
            reply_to=reply_to[0][1] if reply_to else None,
            to=tuple(a for _, a in _addresses(message, "To")), cc=tuple(a for _, a in _addresses(message, "Cc")),
            recipients=tuple(dict.fromkeys([r.lower() for r in recipients] + delivered)),
            subject=_header(message, "Subject")[:max_text_chars],  # whole: tickets fits it to the summary field
            in_reply_to=_ids(message, "In-Reply-To"), references=_ids(message, "References"),
            full_text=texts.truncate(full, max_text_chars), text=texts.truncate(reply, max_text_chars),
            dmarc=dmarc_verdict(message.get_all("Authentication-Results") or [], trusted_authserv_ids),
            kind=classify(headers, from_address, envelope_from), language=language[:10] if language else None,
            attachments=attachments,
        )
    except Unparseable:
        raise
    except Exception as exc:  # any header or body the library chokes on: keep it for a person to look at
        raise Unparseable(f"{type(exc).__name__}: {exc}") from exc
