"""Sending one proxied API request upstream and reading its answer, without decoding either.

Over the network the proxy uses a pool of kept-alive sockets per upstream (``keepalive``), or for an
``https://`` upstream the urllib3 pool here, whose behaviour ``keepalive`` keeps: a proxied request
through ``httpx.Client`` cost the gateway about twice the CPU of urllib3 (building the request,
merging URLs and headers, httpcore's pool bookkeeping: ~45 % of a gateway worker's CPU on an empty
list, see bench/profiles/gwfast-notes.md), and urllib3 itself about 30 % (bench/profiles/gw3.md).
``make run`` injects in-process ``httpx`` transports; then the request goes through ``httpx.Client``
as before, so both paths answer alike (the proxy's tests run against both).
"""
from __future__ import annotations

from typing import Iterable, Iterator
from urllib.parse import urlsplit

import httpx
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

CHUNK = 64 * 1024


class UpstreamFailed(Exception):
    """The upstream could not be reached, or broke off its answer."""


class Answer:
    """An upstream's answer: status, headers as sent (repeated names kept), body still encoded."""

    status: int
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        raise NotImplementedError

    def read(self) -> bytes:
        """The whole body; the answer is closed afterwards."""
        raise NotImplementedError

    def stream(self) -> Iterator[bytes]:
        """The body in chunks of at most ``CHUNK`` bytes."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _PoolAnswer(Answer):
    def __init__(self, response: urllib3.BaseHTTPResponse):
        self._response = response
        self.status = response.status
        self.headers = list(response.headers.items())

    def header(self, name: str) -> str | None:
        return self._response.headers.get(name)

    def read(self) -> bytes:
        try:
            return self._response.read(decode_content=False)
        except (Urllib3Error, OSError) as exc:
            raise UpstreamFailed(str(exc)) from None
        finally:
            self.close()

    def stream(self) -> Iterator[bytes]:
        try:
            yield from self._response.stream(CHUNK, decode_content=False)
        except (Urllib3Error, OSError) as exc:
            raise UpstreamFailed(str(exc)) from None

    def close(self) -> None:
        response = self._response
        if not response.closed and response.length_remaining:
            # Left unread (a client that went away): the connection cannot serve the next request.
            response.close()
        response.release_conn()


class PoolForwarder:
    """Requests to one upstream base URL over a urllib3 connection pool (keep-alive, thread-safe)."""

    def __init__(self, base_url: str, timeout: float, connect_timeout: float = 5.0, pool_size: int = 16):
        parts = urlsplit(base_url)
        self._prefix = parts.path.rstrip("/")
        self._pool = urllib3.connection_from_url(
            base_url, maxsize=pool_size, block=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=timeout),
            # Once, and only where nothing can have been acted on: a connection the upstream closed
            # while it sat idle in the pool (connect), or a safe method's answer cut off (read).
            retries=urllib3.Retry(total=1, connect=1, read=1, status=0, other=0, redirect=False,
                                  raise_on_redirect=False, raise_on_status=False))

    def send(self, method: str, target: str, headers: dict[str, str],
             body: bytes | Iterable[bytes] | None) -> Answer:
        try:
            response = self._pool.urlopen(method, self._prefix + target, body=body, headers=headers,
                                          redirect=False, preload_content=False, decode_content=False,
                                          assert_same_host=False)
        except (Urllib3Error, OSError) as exc:
            raise UpstreamFailed(str(exc)) from None
        return _PoolAnswer(response)

    def close(self) -> None:
        self._pool.close()


class _ClientAnswer(Answer):
    def __init__(self, response: httpx.Response):
        self._response = response
        self.status = response.status_code
        self.headers = list(response.headers.multi_items())

    def header(self, name: str) -> str | None:
        return self._response.headers.get(name)

    def read(self) -> bytes:
        try:
            return b"".join(self._response.stream)
        except httpx.TransportError as exc:
            raise UpstreamFailed(str(exc)) from None
        finally:
            self.close()

    def stream(self) -> Iterator[bytes]:
        try:
            # The raw stream, not iter_raw(): still-encoded bytes, and it also works for answers an
            # in-process transport has already loaded.
            yield from self._response.stream
        except httpx.TransportError as exc:
            raise UpstreamFailed(str(exc)) from None

    def close(self) -> None:
        self._response.close()


class ClientForwarder:
    """Requests through an ``httpx.Client`` (the in-process transports of ``make run``)."""

    def __init__(self, client: httpx.Client):
        self._client = client

    def send(self, method: str, target: str, headers: dict[str, str],
             body: bytes | Iterable[bytes] | None) -> Answer:
        outgoing = self._client.build_request(method, target, headers=headers, content=body)
        try:
            return _ClientAnswer(self._client.send(outgoing, stream=True))
        except httpx.TransportError as exc:
            raise UpstreamFailed(str(exc)) from None

    def close(self) -> None:
        """The client is the Upstreams' to close."""
