"""The last line of defence of a composed email: its header block holds the headers set, no other.

A header line nobody set (say a ``Bcc`` smuggled in by a line break in user text) is refused, and a
bare CR or LF counts as a line break, as it does for many mail servers.
"""
from __future__ import annotations

import functools
import re

from ..domain.headers import UnsafeHeader

_HEADER_LINE = re.compile(rb"^([!-9;-~]+):")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_HEADER_NAME = re.compile(r"[!-9;-~]+\Z")


def check_head(names: list[str], raw: bytes) -> None:
    """Raise UnsafeHeader unless every line of ``raw``'s header block starts a header of ``names``
    or continues one, and no name is set twice."""
    end = raw.find(b"\r\n\r\n")
    head = raw[:end] if end >= 0 else raw
    lines = head.split(b"\r\n")
    expected = _expected_names(tuple(names))
    breaks = len(lines) - 1  # each CRLF holds one CR and one LF: any other is a bare one
    if expected is None or head.count(b"\r") != breaks or head.count(b"\n") != breaks:
        _verify_lines(names, _LINE_BREAK.split(head))
    else:
        # No bare CR or LF: the lines are those of the split below. A line's name is what precedes
        # its first ":"; being one of the names set (each a valid name) means it would match too.
        for line in lines:
            if line[:1] in (b" ", b"\t"):
                continue
            name, colon, _value = line.partition(b":")
            if not colon or name.lower() not in expected:
                _verify_lines(names, lines)  # refuses, with the message of the full check
    seen = [name.lower() for name in names]
    if len(seen) != len(set(seen)):
        raise UnsafeHeader("a header appears twice")


@functools.lru_cache(maxsize=256)
def _expected_names(names: tuple[str, ...]) -> frozenset[bytes] | None:
    """The names as the bytes a line starts with (lower case); None unless each is a plain ASCII name."""
    if not all(_HEADER_NAME.match(name) for name in names):
        return None
    return frozenset(name.lower().encode("ascii") for name in names)


def _verify_lines(names: list[str], lines: list[bytes]) -> None:
    expected = {name.lower() for name in names}
    # A bare CR or LF ends a line for many mail servers, so it counts as a line break here.
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation of the previous header
        match = _HEADER_LINE.match(line)
        if not match or match.group(1).decode("ascii").lower() not in expected:
            raise UnsafeHeader(f"generated header line not built by the notifier: {line[:80]!r}")
