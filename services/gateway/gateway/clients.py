"""One ``httpx.Client`` per upstream service, over the network or an injected transport.

``make run`` hosts every service in one process and passes ``httpx.WSGITransport`` objects, so the
gateway takes the same code path there as in production, only without sockets. The API proxy sends
through a forwarder of the same upstream: ``keepalive``'s own pool of sockets to an ``http://`` URL,
a urllib3 pool to an ``https://`` one, the same ``httpx.Client`` when a transport is injected.
"""
from __future__ import annotations

import logging
from typing import Mapping

import httpx

from .forward import ClientForwarder, PoolForwarder
from .keepalive import KeepAliveForwarder
from .settings import Settings

logger = logging.getLogger(__name__)

UPSTREAMS = ("identity", "tickets")


class Upstreams:
    """The HTTP clients of the upstream services, by name."""

    def __init__(self, settings: Settings, transports: Mapping[str, httpx.BaseTransport] | None = None):
        transports = transports or {}
        urls = {"identity": settings.identity_url, "tickets": settings.tickets_url}
        timeout = httpx.Timeout(settings.upstream_timeout, connect=5.0)
        self._clients = {
            name: httpx.Client(base_url=urls[name], transport=transports.get(name), timeout=timeout,
                               follow_redirects=False)
            for name in UPSTREAMS
        }
        self._forwarders = {
            name: ClientForwarder(self._clients[name]) if name in transports
            else KeepAliveForwarder(urls[name], timeout=settings.upstream_timeout)
            if urls[name].lower().startswith("http://")
            else PoolForwarder(urls[name], timeout=settings.upstream_timeout)
            for name in UPSTREAMS
        }

    def client(self, name: str) -> httpx.Client:
        """The client that talks to upstream ``name``."""
        return self._clients[name]

    def forwarder(self, name: str) -> ClientForwarder | KeepAliveForwarder | PoolForwarder:
        """What the API proxy sends requests to upstream ``name`` through."""
        return self._forwarders[name]

    def close(self) -> None:
        """Close every client's connection pool."""
        for forwarder in self._forwarders.values():
            forwarder.close()
        for client in self._clients.values():
            client.close()
