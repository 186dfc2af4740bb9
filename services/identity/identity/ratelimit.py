"""Fixed-window counters for brute-force limits, in Redis when configured, else in process memory.

Memory counters are per process: with several gunicorn workers each would count on its own and the
limits would multiply. So identity refuses to start more than one worker without ``REDIS_URL``
(``require_shared_counters``, called by gunicorn's ``on_starting`` hook), and warns when it runs
under gunicorn without it, since replicas on other machines cannot be seen from here.
"""
from __future__ import annotations

import threading
import time
from typing import Mapping, Protocol

from common.config import ConfigError, Env
from common.errors import TooManyRequests


class Counters(Protocol):
    def get(self, key: str) -> tuple[int, int]: ...
    def incr(self, key: str, window: int) -> tuple[int, int]: ...
    def reset(self, key: str) -> None: ...


class MemoryCounters:
    def __init__(self, clock=time.monotonic):
        self._data: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> tuple[float, int] | None:
        entry = self._data.get(key)
        if entry and entry[0] <= self._clock():
            del self._data[key]
            return None
        return entry

    def get(self, key: str) -> tuple[int, int]:
        """(count, seconds until the window ends) for ``key``."""
        with self._lock:
            entry = self._live(key)
            return (0, 0) if entry is None else (entry[1], max(1, int(entry[0] - self._clock()) + 1))

    def incr(self, key: str, window: int) -> tuple[int, int]:
        with self._lock:
            entry = self._live(key)
            ends, count = entry if entry else (self._clock() + window, 0)
            self._data[key] = (ends, count + 1)
            return count + 1, max(1, int(ends - self._clock()) + 1)

    def reset(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisCounters:
    def __init__(self, url: str, prefix: str = "identity:rl:"):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def get(self, key: str) -> tuple[int, int]:
        pipe = self._redis.pipeline()
        pipe.get(self._prefix + key)
        pipe.ttl(self._prefix + key)
        raw, ttl = pipe.execute()
        return (int(raw), max(1, ttl)) if raw is not None else (0, 0)

    def incr(self, key: str, window: int) -> tuple[int, int]:
        pipe = self._redis.pipeline()
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, window, nx=True)
        pipe.ttl(self._prefix + key)
        count, _set, ttl = pipe.execute()
        return int(count), max(1, ttl)

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def ping(self) -> None:
        self._redis.ping()


def require_shared_counters(environ: Mapping[str, str], processes: int) -> None:
    """Refuse to run ``processes`` > 1 workers that would each keep their own counters."""
    if processes > 1 and not Env(prefix="IDENTITY_", environ=environ)("REDIS_URL", default=None):
        raise ConfigError(f"identity is starting {processes} worker processes without REDIS_URL: each would count "
                          "failed logins on its own and the rate limits would multiply. Set REDIS_URL "
                          "(redis://host:6379/0) or run one worker (WEB_CONCURRENCY=1).")


class RateLimiter:
    """Limits failed sign-ins per (account, client address) and per address; emails sent per address and email.

    Failed logins never lock an account as such: a stranger's failures count against the pair
    (that account from the stranger's address) and against the stranger's address, so the owner,
    coming from elsewhere, still gets in. The address allowance stops one client from spraying
    guesses over many accounts.
    """

    def __init__(self, counters: Counters, window: int, address_limit: int):
        self.counters = counters
        self.window = window
        self.address_limit = address_limit

    def _failure_keys(self, action: str, email: str | None, address: str | None, limit: int) -> list[tuple[str, int]]:
        keys = [(f"{action}:pair:{email.strip().lower()}|{address or '-'}", limit)] if email else []
        if address:
            keys.append((f"{action}:addr:{address}", self.address_limit))
        return keys

    def _keys(self, action: str, email: str | None, address: str | None, limit: int) -> list[tuple[str, int]]:
        keys = []
        if email:
            keys.append((f"{action}:email:{email.strip().lower()}", limit))
        if address:
            keys.append((f"{action}:addr:{address}", self.address_limit))
        return keys

    def check(self, action: str, email: str | None, address: str | None, limit: int) -> None:
        """Raise TooManyRequests when earlier failures of this account from this address (or of this
        address) already used up the allowance (login, API-token exchange)."""
        for key, allowed in self._failure_keys(action, email, address, limit):
            count, ttl = self.counters.get(key)
            if count >= allowed:
                raise TooManyRequests(_message(ttl), retry_after=ttl)

    def fail(self, action: str, email: str | None, address: str | None, limit: int) -> None:
        """Count one failed attempt."""
        for key, _allowed in self._failure_keys(action, email, address, limit):
            self.counters.incr(key, self.window)

    def hit(self, action: str, email: str | None, address: str | None, limit: int) -> None:
        """Count one attempt and raise TooManyRequests past the allowance (forgot password, sign-up:
        each sends an email, so the mailbox and the address are what is protected)."""
        for key, allowed in self._keys(action, email, address, limit):
            count, ttl = self.counters.incr(key, self.window)
            if count > allowed:
                raise TooManyRequests(_message(ttl), retry_after=ttl)


def _message(retry_after: int) -> str:
    minutes = max(1, (retry_after + 59) // 60)
    return f"Too many attempts. Wait {minutes} minute(s) and try again."
