"""Input limits, in one place: body size, JSON depth and length, and the longest text of each field.

``common.web`` applies them to every request of every service before a view runs; domain rules
(a request type's field specs, the password policy) may be stricter, never looser. A limit that is
passed is a 400 (413 for the body) naming the field and the limit.
"""
from __future__ import annotations

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_LIST_ITEMS = 200

SHORT_TEXT = 255  # names and summaries: one line a person reads
LONG_TEXT = 32_000  # comments, descriptions, multi-line fields (what a mail and an event may carry)
EMAIL = 254  # RFC 5321's longest path
SECRET = 1024  # passwords and tokens: long passphrases fit, hashing cost stays bounded
QUERY_TEXT = 1000  # any query-string value not named below
# What admins configure (desks, request types and their fields): the domain's rule and the admin
# pages' maxlength both read these; the tickets tables' columns hold as much.
CATALOGUE_NAME = 200  # desk, request type and field names
CATALOGUE_TEXT = 5000  # desk and request type descriptions and help texts
FIELD_ID = 100  # a request type field's id
ISSUE_TYPE = 50

# The longest text a JSON string (or each string of a list) may hold, by the name of its field.
# Fields not listed may hold LONG_TEXT. A request's own fields (summary, description and the rest)
# are not listed: their limits are the request type's field specs alone, checked in tickets' domain
# with an error keyed by the field (the summary spec reads SHORT_TEXT).
FIELD_LIMITS: dict[str, int] = {
    "displayName": SHORT_TEXT, "fullName": SHORT_TEXT, "name": SHORT_TEXT,
    "label": 100, "key": 10, "language": 10, "timeZone": 64, "issueTypeId": ISSUE_TYPE,
    "email": EMAIL, "emails": EMAIL, "usernames": EMAIL, "requestParticipants": EMAIL,
    "raiseOnBehalfOf": EMAIL, "accountId": EMAIL, "accountIds": EMAIL,
    "password": SECRET, "currentPassword": SECRET, "newPassword": SECRET, "token": SECRET,
    "refresh_token": SECRET,
    "body": LONG_TEXT, "helpText": LONG_TEXT,
    # query string
    "query": 200, "searchTerm": 200, "searchQuery": 200,
}


def text_limit(field: str, default: int = LONG_TEXT) -> int:
    """The longest text ``field`` may hold."""
    return FIELD_LIMITS.get(field, default)


def describe_bytes(size: int) -> str:
    """``1048576`` -> ``1 MiB``, for messages."""
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"
