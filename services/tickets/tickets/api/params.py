"""Ids from the query string, bounded so the database never sees a number it cannot hold."""
from __future__ import annotations

from common.jsm import MAX_INT, parse_int


def parse_id(value: str | None, name: str, minimum: int = 0) -> int | None:
    """An optional id from the query string (None when absent or empty); a bad one is a 400 naming it."""
    return parse_int(value, None, name, minimum=minimum, maximum=MAX_INT) if value else None
