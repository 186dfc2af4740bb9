"""Query parameters bounded to what the database can hold, so an oversized number is a 400, not a 500."""
from __future__ import annotations

from common.errors import BadRequest
from common.jsm import paging as _paging

# PostgreSQL's OFFSET is a bigint; any page past this one is empty anyway.
MAX_START = 2**31 - 1


def paging() -> tuple[int, int]:
    """``start`` and ``limit`` of the query string, as common.jsm.paging, with ``start`` bounded."""
    start, limit = _paging()
    if start > MAX_START:
        raise BadRequest(f"Query parameter 'start' must be between 0 and {MAX_START}.")
    return start, limit
