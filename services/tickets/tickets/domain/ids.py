"""Numeric ids as the API receives them: in the database's integer range, or not ids at all."""
from __future__ import annotations

# Ids are PostgreSQL integer columns.
MAX_ID = 2**31 - 1


def as_id(ref: object) -> int | None:
    """The id ``ref`` names (ASCII digits within range), else None: a key, a name, or nothing that can exist."""
    if isinstance(ref, bool):
        return None
    text = str(ref).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None
