"""One ``httpx.Client`` per upstream service, over the network or an injected transport.

``make run`` hosts every service in one process and passes ``httpx.WSGITransport`` objects, so the
gateway takes the same code path there as in production, only without sockets.
"""
from __future__ import annotations

import logging
from typing import Mapping

import httpx

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

    def client(self, name: str) -> httpx.Client:
        """The client that talks to upstream ``name``."""
        return self._clients[name]

    def close(self) -> None:
        """Close every client's connection pool."""
        for client in self._clients.values():
            client.close()
