"""The DMARC verdict of the MTA, read from ``Authentication-Results`` (RFC 8601) with ``authres``.

Anyone can write that header into a message, so only headers whose authserv-id is one of ours
(``TRUSTED_AUTHSERV_IDS``, the MTA that received the message) count; the topmost such header is
the one our MTA added. Without a trusted header the verdict is ``none``.
"""
from __future__ import annotations

import logging
from typing import Iterable

import authres

logger = logging.getLogger(__name__)


def dmarc_verdict(values: Iterable[str], trusted_ids: Iterable[str]) -> str:
    """``pass``, ``fail``, ``none``... from the first header written by a trusted host."""
    trusted = {t.lower() for t in trusted_ids}
    if not trusted:
        return "none"
    for value in values:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(str(value))
        except Exception as exc:  # authres raises its own SyntaxError subclasses on junk
            logger.info("ignoring an unparseable Authentication-Results header: %s", exc)
            continue
        if (header.authserv_id or "").lower() not in trusted:
            continue
        for result in header.results:
            if result.method == "dmarc":
                return (result.result or "none").lower()
        return "none"
    return "none"
