"""Rules that more than one service applies to the same input, written once and tested against a table.

The desk key: tickets refuses a bad one in its API and the gateway's admin form says so next to the
field before it calls tickets; both call ``desk_key``, so they can never disagree.
"""
from __future__ import annotations

import re
from typing import Any

from .limits import text_limit

DESK_KEY_MIN = 2
DESK_KEY_MAX = text_limit("key")  # the tickets column and the admin form's maxlength hold as much
_DESK_KEY = re.compile(rf"[A-Z][A-Z0-9]{{{DESK_KEY_MIN - 1},{DESK_KEY_MAX - 1}}}")


def desk_key(raw: Any) -> str | None:
    """``raw`` as a desk key (trimmed and upper-cased), or None when it cannot be one.

    A key starts every request reference (AM in AM-12): 2 to 10 ASCII capital letters or digits,
    starting with a letter. Other scripts are refused before upper-casing, so "ﬁx" never becomes "FIX".
    """
    if not isinstance(raw, str) or not raw.isascii():
        return None
    key = raw.strip().upper()
    return key if _DESK_KEY.fullmatch(key) else None


# raw input, the key it is (None: refused). Tickets' API and the gateway's admin form run against it too.
DESK_KEY_TABLE: tuple[tuple[Any, str | None], ...] = (
    ("AM", "AM"),
    ("am", "AM"),
    (" tv2 ", "TV2"),
    ("A" * DESK_KEY_MAX, "A" * DESK_KEY_MAX),
    ("A" * (DESK_KEY_MAX + 1), None),
    ("A", None),
    ("2A", None),
    ("A-M", None),
    ("A_M", None),
    ("A M", None),
    ("AM\n", "AM"),
    ("A\nM", None),
    ("ÄM", None),
    ("\ufb01x", None),  # the "fi" ligature upper-cases to "FI"
    ("", None),
    ("  ", None),
    (None, None),
    (12, None),
)
