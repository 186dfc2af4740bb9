"""HTTP Basic (email + API token) turned into a Bearer token by identity, cached briefly.

JSM clients send Basic credentials on every call; asking identity each time would cost an API-token
hash check per request, so an exchanged token is kept for at most ``ttl`` seconds under a hash of
the header (the credentials themselves are never kept).
"""
from __future__ import annotations

import hashlib
import threading
import time
from typing import Callable

import httpx

from common import errors

from .errors import from_response, unavailable

EXCHANGE_PATH = "/api/identity/tokens/exchange"
_MAX_ENTRIES = 4096


class BasicExchange:
    """Exchanges ``Authorization: Basic`` headers for access tokens, with a small TTL cache."""

    def __init__(self, client: httpx.Client, ttl: int = 60, clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(header: str) -> str:
        return hashlib.sha256(header.encode("utf-8")).hexdigest()

    def cached(self, basic_header: str) -> str | None:
        """The access token already exchanged for ``basic_header`` and still fresh, else None."""
        hit = self._cache.get(self._key(basic_header))
        return hit[0] if hit and hit[1] > self.clock() else None

    def bearer_for(self, basic_header: str, forward_headers: dict[str, str] | None = None) -> str:
        """The access token for ``basic_header``; raises Unauthorized or ServiceUnavailable."""
        key = self._key(basic_header)
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[1] > now:
                return hit[0]
        headers = dict(forward_headers or {})
        headers["Authorization"] = basic_header
        try:
            response = self.client.post(EXCHANGE_PATH, headers=headers)
        except httpx.TransportError:
            raise unavailable("identity") from None
        if response.status_code == 404:
            # Identity without the exchange endpoint: the caller simply is not authenticated.
            raise errors.Unauthorized("Basic authentication is not available; send a Bearer token.")
        if response.status_code != 200:
            raise from_response(response, "identity")
        body = response.json()
        token = body["access_token"]
        lifetime = min(self.ttl, max(0, int(body.get("expires_in", self.ttl)) - 5))
        with self._lock:
            if len(self._cache) >= _MAX_ENTRIES:
                self._evict(now)
            self._cache[key] = (token, now + lifetime)
        return token

    def _evict(self, now: float) -> None:
        expired = [k for k, (_t, until) in self._cache.items() if until <= now]
        for k in expired or list(self._cache)[: _MAX_ENTRIES // 4]:
            del self._cache[k]
