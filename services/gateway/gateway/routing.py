"""Which upstream answers which API path (the table of docs/architecture.md)."""
from __future__ import annotations

# Most specific first; a prefix matches itself or anything below it ("/organization" never matches
# "/organizations").
ROUTES: tuple[tuple[str, str | None], ...] = (
    # Services read through to identity here with their caller's token; no client may.
    ("/api/identity/replica", None),
    ("/api/identity", "identity"),
    ("/rest/servicedeskapi/customer", "identity"),
    ("/rest/servicedeskapi/organization", "identity"),
    ("/rest/servicedeskapi", "tickets"),
    ("/rest/api/2/issue", "tickets"),
    ("/api/tickets", "tickets"),
)


def upstream_for(path: str) -> str | None:
    """The upstream service for ``path``, or None when no API route matches."""
    for prefix, upstream in ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return upstream
    return None
