"""Build an RFC 5322 message (plain text + HTML alternative) with headers that user text cannot bend.

Every header is set from cleaned text or a checked address (see ``domain.headers``); as a last line
of defence the generated header block is parsed back and must hold exactly the headers set here.
"""
from __future__ import annotations

import functools
import hashlib
import random
import re
import sys
import time
from email import policy, quoprimime
from email.headerregistry import Address, MessageIDHeader, UnstructuredHeader
from email.message import EmailMessage
from email.utils import formatdate

from ..domain.headers import UnsafeHeader, address, clean_text
from ..domain.links import check_key
from ..domain.model import Recipient
from .headcheck import check_head
from .render import Rendered

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def message_id(event_id: str, recipient: str, domain: str, reply_tag: str | None = None) -> str:
    """A Message-ID derived from (event, recipient), so a duplicate send is recognisable downstream.

    With a reply tag it also carries the tag, so a reply that lost the Reply-To still names its
    request and recipient in ``In-Reply-To`` (checked by the tickets service like the address).
    """
    local = event_id if _SAFE_ID.match(event_id) else hashlib.sha256(event_id.encode()).hexdigest()[:32]
    digest = hashlib.sha256(recipient.lower().encode()).hexdigest()[:12]
    tag = f".{reply_tag}" if reply_tag and _SAFE_ID.match(reply_tag) else ""
    return f"<{local}.{digest}{tag}@{domain}>"


def thread_id(ticket_key: str, domain: str) -> str:
    """The id every email about one ticket refers to, so mail clients thread them together."""
    return f"<request.{check_key(ticket_key)}@{domain}>"


def compose(
    rendered: Rendered,
    sender: Address,
    recipient: Recipient,
    msg_id: str,
    thread: str | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The email to send; raises UnsafeHeader if any header would not come out as built."""
    msg = _build(rendered, sender, recipient, msg_id, thread, unsubscribe_url, reply_to)
    verify_headers(msg)
    return msg


def _build(rendered: Rendered, sender: Address, recipient: Recipient, msg_id: str, thread: str | None,
           unsubscribe_url: str | None, reply_to: str | None) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    _top_headers(msg, rendered, sender, recipient, msg_id, thread, unsubscribe_url, reply_to)
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte=_transfer_encoding(rendered.text))
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte=_transfer_encoding(rendered.html))
    # Set after the body: set_content() drops every Content-* header already present.
    msg["Content-Language"] = rendered.language
    return msg


def _top_headers(msg: EmailMessage, rendered: Rendered, sender: Address, recipient: Recipient, msg_id: str,
                 thread: str | None, unsubscribe_url: str | None, reply_to: str | None) -> None:
    for name, value in _header_values(rendered, sender, recipient, msg_id, thread, unsubscribe_url, reply_to):
        msg[name] = value


def _header_values(rendered: Rendered, sender: Address, recipient: Recipient, msg_id: str, thread: str | None,
                   unsubscribe_url: str | None, reply_to: str | None) -> list[tuple[str, object]]:
    """The top-level headers before the MIME ones, in order."""
    values: list[tuple[str, object]] = [("From", _sender_header(sender)),
                                        ("To", _address(recipient.email, recipient.display_name))]
    if reply_to:
        # The signed address replies go to (common.replytokens); the From stays the desk's sender.
        values.append(("Reply-To", _address(reply_to, sender.display_name)))
    values += [("Subject", clean_text(rendered.subject)), ("Date", _date()), ("Message-ID", msg_id)]
    if thread:
        values += [("In-Reply-To", thread), ("References", thread)]
    # RFC 3834: tells auto-responders (vacation replies) not to answer, which avoids mail loops.
    values += [("Auto-Submitted", _fixed("Auto-Submitted", "auto-generated")),
               ("X-Auto-Response-Suppress", _fixed("X-Auto-Response-Suppress", "All"))]
    if unsubscribe_url:
        values.append(("List-Unsubscribe", f"<{unsubscribe_url}>"))
    return values


_DATE: list = [None, ""]


def _date() -> str:
    # Written to the second: formatted once per second, not per email.
    second = int(time.time())
    if _DATE[0] != second:
        _DATE[:] = [second, formatdate(second, usegmt=True)]
    return _DATE[1]


@functools.lru_cache(maxsize=4096)
def _address(email: str, display_name: str | None) -> Address:
    # The same recipients come back email after email; checking an address is a full validation.
    # Only accepted addresses are kept (a refusal raises, and lru_cache keeps no exception).
    return address(email, display_name)


def compose_bytes(
    rendered: Rendered,
    sender: Address,
    recipient: Recipient,
    msg_id: str,
    thread: str | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
) -> bytes:
    """The email of ``compose`` as it goes on the wire, built for a fraction of its cost.

    Every email has the same structure (multipart/alternative: UTF-8 text, then UTF-8 HTML), so
    the body is laid out from a fixed skeleton instead of by the ``email`` package's content
    manager, and the headers that never change are parsed once. The top-level headers are still
    set and folded by ``policy.SMTP`` and checked by ``verify_headers`` on the very bytes
    returned; a unit test holds the output byte for byte equal to ``compose``'s.
    """
    text, text_cte = _payload(rendered.text)
    html, html_cte = _payload(rendered.html)
    boundary = _boundary(text, html)
    body = b"".join((
        b"--", boundary.encode(), b"\r\n", _PART_HEAD[("plain", text_cte)], text,
        b"\r\n--", boundary.encode(), b"\r\n", _PART_HEAD[("html", html_cte)], html,
        b"\r\n--", boundary.encode(), b"--\r\n",
    ))
    headers = _header_values(rendered, sender, recipient, msg_id, thread, unsubscribe_url, None) + [
        ("MIME-Version", _fixed("MIME-Version", "1.0")),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ("Content-Language", rendered.language),
    ]
    # The header block as the generator writes it (its _write_headers), then the body as it is.
    lines = [_folded(name, value) for name, value in headers]
    names = [name for name, _ in headers]
    if reply_to:  # after From and To, where _header_values puts it
        lines.insert(2, _reply_to_line(reply_to, sender.display_name))
        names.insert(2, "Reply-To")
    raw = b"".join(lines) + b"\r\n" + body
    check_head(names, raw)
    return raw


_TAG_TEXT = re.compile(r"[a-z0-9_-]+\Z")


def _reply_to_line(reply_to: str, display_name: str | None) -> bytes:
    """The Reply-To line of a tagged reply address (``desk+<tag>@domain``), as ``_folded`` writes it.

    Every email has a tag of its own (``common.replytokens``), so neither the address check nor the
    folded line could be kept. A tag is atext of one kind (letters, digits, "-", "_"): the line of any
    tag of the same length is the same but for the tag, so the line is folded once per length, with
    a stand-in tag, and the tag is put in.
    """
    local, _at, domain = reply_to.rpartition("@")
    base, plus, tag = local.partition("+")
    if plus and _TAG_TEXT.match(tag):
        stand_in = "a" * len(tag)
        line = _folded("Reply-To", _address(f"{base}+{stand_in}@{domain}", display_name))
        marker = f"+{stand_in}@".encode("ascii")
        if line.count(marker) == 1:
            return line.replace(marker, f"+{tag}@".encode("ascii"))
    return _folded("Reply-To", _address(reply_to, display_name))


# Folded header lines already written, by (name, value): the sender, a recipient's address, the
# date of this second and a ticket's thread ids come back email after email. Bounded: cleared
# when full, as a cache of a few thousand lines costs less than keeping it ordered.
_FOLDED: dict[tuple, bytes] = {}
_FOLDED_MAX = 4096
# A value ``policy.SMTP`` writes as it is on one line: printable ASCII words, single spaces, no
# encoded-word opener (its parser would decode one). Only for the header classes whose parse tree
# reads back as the value (unstructured text, a message id); the fit is checked against the line.
_PLAIN_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
_PLAIN_MSG_ID = re.compile(r"<[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>\Z")
_MULTIPART = 'multipart/alternative; boundary="'
_BOUNDARY = re.compile(r'={15}(\d{19})=="\Z')
_ZEROS = "0" * 19


def _folded(name: str, value) -> bytes:
    """The header line(s) ``msg[name] = value`` then ``policy.SMTP``'s generator write, in bytes.

    Same bytes as ``policy.SMTP.fold_binary(name, header_store_parse(name, value))`` (a unit test
    holds the two equal over many values), without parsing and folding a header object each time
    the value is a plain one-line value or one seen before.
    """
    if isinstance(value, str):
        plain = _plain(name, value)
        if plain is not None:
            return plain
        key = (name, value)
    elif isinstance(value, Address):
        key = (name, "address", value.display_name, value.username, value.domain)
    else:  # a header object parsed once (``_fixed``, ``_sender_header``)
        key = (name, "object", id(value))
    line = _FOLDED.get(key)
    if line is None:
        stored = value if hasattr(value, "name") else _header(name, value)
        line = policy.SMTP.fold_binary(name, stored)
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        _FOLDED[key] = line
    return line


def _plain(name: str, value: str) -> bytes | None:
    """``name: value`` when ``policy.SMTP`` would write exactly that (see ``_folded``), else None."""
    if name == "Content-Type" and value.startswith(_MULTIPART):
        # Every email's boundary is new; its line is the one of any boundary of the generator's form
        # (fifteen "=", nineteen digits, "=="), with the digits put in.
        match = _BOUNDARY.match(value, len(_MULTIPART))
        return _content_type_line().replace(_ZEROS.encode(), match.group(1).encode()) if match else None
    kind = _header_class(name)
    if issubclass(kind, MessageIDHeader) and _PLAIN_MSG_ID.match(value):
        # One token the folder cannot break (a tagged id is longer than a line): on the name's line
        # when it fits there, else alone on the next line when it fits there, else long on the first.
        if len(name) + 2 + len(value) > policy.SMTP.max_line_length >= 1 + len(value):
            return f"{name}:\r\n {value}\r\n".encode("ascii")
        return f"{name}: {value}\r\n".encode("ascii")
    if len(name) + 2 + len(value) > policy.SMTP.max_line_length or "=?" in value or not _PLAIN_VALUE.match(value):
        return None
    if issubclass(kind, UnstructuredHeader):
        return f"{name}: {value}\r\n".encode("ascii")
    return None


@functools.lru_cache(maxsize=1)
def _content_type_line() -> bytes:
    value = _MULTIPART + "=" * 15 + _ZEROS + '=="'
    return policy.SMTP.fold_binary("Content-Type", _header("Content-Type", value))


def _boundary(*bodies: bytes) -> str:
    """A boundary in the generator's form that no body contains (a plain search, not its per-line regex)."""
    token = random.randrange(sys.maxsize)
    boundary = "=" * 15 + f"{token:019d}" + "=="
    counter = 0
    while any(b"--" + boundary.encode() in body for body in bodies):
        counter += 1
        boundary = "=" * 15 + f"{token:019d}" + "==" + f".{counter}"
    return boundary


def _part_head(subtype: str, cte: str) -> bytes:
    # The part headers ``set_content`` and ``add_alternative`` write (the HTML part, made by
    # add_alternative, carries a MIME-Version of its own).
    extra = b"MIME-Version: 1.0\r\n" if subtype == "html" else b""
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n'.encode()
            + extra + b"\r\n")


_PART_HEAD = {(sub, cte): _part_head(sub, cte) for sub in ("plain", "html") for cte in ("8bit", "quoted-printable")}


def _payload(body: str) -> tuple[bytes, str]:
    """The body as the generator writes it (lines ended by CRLF, quoted-printable for long lines)."""
    lines = body.encode("utf-8").splitlines()
    # A line of ``str.splitlines`` lies within one of these (bytes split at fewer characters), so
    # when none of these is too long, none of those is: 8bit, without encoding the lines again.
    cte = "8bit" if max(map(len, lines), default=0) <= _LONGEST_8BIT else _transfer_encoding(body)
    if cte == "8bit":
        return b"\r\n".join(lines) + b"\r\n", cte
    encoded = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), policy.SMTP.max_line_length)
    return "\r\n".join(encoded.split("\n")).encode("ascii").rstrip(b"\r\n") + b"\r\n", cte


_SENDERS: dict[tuple[str, str], object] = {}


def _sender_header(sender: Address):
    key = (sender.display_name, sender.addr_spec)
    if key not in _SENDERS:
        _SENDERS[key] = policy.SMTP.header_factory("From", sender)
    return _SENDERS[key]


@functools.lru_cache(maxsize=64)
def _header_class(name: str):
    # The registry builds a new class on every lookup; one per header name is enough.
    return policy.SMTP.header_factory[name]


def _header(name: str, value):
    if isinstance(value, str) and len(value.splitlines()) > 1:  # as header_store_parse: a header value is one line
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return _header_class(name)(name, value)


@functools.lru_cache(maxsize=64)
def _fixed(name: str, value: str):
    """A header parsed once: ``policy.SMTP`` stores a header object as it is, without parsing it again."""
    return policy.SMTP.header_factory(name, value)


def _transfer_encoding(body: str) -> str:
    # 8bit keeps links and text readable in the raw message (a token's "=" is not "=3D"); it is
    # only allowed while every line stays under SMTP's 998-octet limit.
    longest = max((len(line.encode("utf-8")) for line in body.splitlines()), default=0)
    return "8bit" if longest <= _LONGEST_8BIT else "quoted-printable"


_LONGEST_8BIT = 900


def verify_headers(msg: EmailMessage, raw: bytes | None = None) -> None:
    """Raise UnsafeHeader if the generated top-level header block (``raw``: ``msg`` flattened with
    ``policy.SMTP``, flattened here when not given) has a header nobody set."""
    check_head(msg.keys(), raw if raw is not None else msg.as_bytes(policy=policy.SMTP))
