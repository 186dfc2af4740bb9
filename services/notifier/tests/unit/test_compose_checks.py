"""The shortcuts of ``compose_bytes`` give the verdicts of the checks they stand in for."""
import re

import pytest

from notifier.domain.headers import UnsafeHeader
from notifier.mail import compose, headcheck

_HEADER_LINE = re.compile(rb"^([!-9;-~]+):")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
NAMES = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]


def reference_verify_head(names, raw):
    """The check as it was written before its shortcut: every line split at any CR or LF."""
    expected = {name.lower() for name in names}
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in _LINE_BREAK.split(head):
        if line[:1] in (b" ", b"\t"):
            continue
        match = _HEADER_LINE.match(line)
        if not match or match.group(1).decode("ascii").lower() not in expected:
            raise UnsafeHeader(f"generated header line not built by the notifier: {line[:80]!r}")
    seen = [name.lower() for name in names]
    if len(seen) != len(set(seen)):
        raise UnsafeHeader("a header appears twice")


def verdict(check, names, raw):
    try:
        check(names, raw)
    except UnsafeHeader as exc:
        return str(exc)
    return "ok"


HEADS = [
    b"From: a@b.example\r\nTo: c@d.example\r\n\r\nbody",
    b"From: a@b.example\r\nto: c@d.example\r\nSUBJECT: hi\r\n\r\nbody\r\nBcc: x@y.example\r\n",
    b"From: a@b.example\r\nSubject: a long one\r\n folded\r\n\tand tabbed\r\n\r\n",
    b"From: a@b.example\r\nBcc: x@y.example\r\n\r\n",
    b"From: a@b.example\r\nSubject: hi\rBcc: x@y.example\r\n\r\n",
    b"From: a@b.example\r\nSubject: hi\nBcc: x@y.example\r\n\r\n",
    b"From: a@b.example\r\nSubject: hi\r\r\n\r\n",
    b"From: a@b.example\r\nSubject: hi\n\r\n\r\n",
    b"From: a@b.example\r\nSubject: hi\r\n \rTo: x\r\n\r\n",
    b"From\r\nTo: c@d.example\r\n\r\n",
    b"From: a@b.example\r\nTo\r\n\r\n",
    b"From : a@b.example\r\n\r\n",
    b" From: a@b.example\r\n\r\n",
    b":From: a@b.example\r\n\r\n",
    b"Fr\xc3\xb6m: a@b.example\r\n\r\n",
    b"From: a@b.example\r\n\r\n",
    b"\r\n\r\nFrom: a@b.example",
    b"",
    b"From: a@b.example",
    b"From: a@b.example\r\nTo: c@d.example:\r\nX-To: e\r\n\r\n",
    b"From: a@b.example\r\n\r\n\r\nBcc: x\r\n",
    b"Message-ID: <a@b>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n",
    b"From: a@b.example\r\nReply-To: r@b.example\r\nDate: Thu, 03 Dec 2026 07:00:00 GMT\r\n\r\nx",
]
NAME_LISTS = [NAMES, ["From", "To"], ["From", "from"], ["From", "Fröm"], ["From", "Bad Name"], ["From", ""], []]


@pytest.mark.parametrize("raw", HEADS)
@pytest.mark.parametrize("names", NAME_LISTS)
def test_verify_head_gives_the_verdict_of_the_full_check(names, raw):
    assert verdict(headcheck.check_head, names, raw) == verdict(reference_verify_head, names, raw)


BODIES = ["", "\n", "short\n", "a" * 900 + "\n", "a" * 901 + "\n", "é" * 450, "é" * 451, "€" * 300, "€" * 301,
          "a" * 500 + "\x0b" + "a" * 500, "a" * 500 + "\u2028" + "a" * 500, "a" * 500 + "\x85" + "b" * 500,
          "a" * 500 + "\x1c" + "a" * 500, "a" * 600 + "\r" + "a" * 600, "a" * 950 + "\r\n" + "b",
          "x\n" * 50 + "y" * 1000]


@pytest.mark.parametrize("body", BODIES)
def test_payload_chooses_the_transfer_encoding_of_the_rule(body):
    assert compose._payload(body)[1] == compose._transfer_encoding(body)
