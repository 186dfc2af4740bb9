"""Calls from portal and console pages to the services, as the signed-in account.

Pages use the same APIs as any client (routed by ``gateway.routing``), with the session's access
token; an expired token is refreshed once, transparently.
"""
from __future__ import annotations

import logging
from typing import Any

import httpx
from flask import current_app

from common.errors import NotFound

from ..errors import from_response, unavailable
from ..i18n import _, current_language
from ..proxy import forwarding_headers
from ..routing import upstream_for
from . import session as auth

logger = logging.getLogger(__name__)


def _send(method: str, path: str, *, params=None, json=None, token: str | None = None, files=None,
          extra_headers: dict | None = None, stream: bool = False) -> httpx.Response:
    upstream = upstream_for(path)
    if upstream is None:
        raise ValueError(f"no upstream serves {path}")
    if any(segment in (".", "..") for segment in path.split("/")):
        # Ids from page addresses end up in API paths; a dot segment must not climb to another endpoint.
        raise NotFound(_("There is nothing at this address."))
    client: httpx.Client = current_app.extensions["gateway.upstreams"].client(upstream)
    headers = forwarding_headers()
    headers["Accept"] = "application/json"
    headers["Accept-Language"] = current_language()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(extra_headers or {})
    try:
        outgoing = client.build_request(method, path, params=params, json=json, files=files, headers=headers)
        return client.send(outgoing, stream=stream)
    except httpx.TransportError as exc:
        logger.warning("%s unreachable for %s %s: %s", upstream, method, path, exc)
        raise unavailable(upstream) from None


def _decode(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def call(method: str, path: str, *, params=None, json=None, anonymous: bool = False) -> Any:
    """Call an API as the signed-in account (or anonymously); return the JSON answer or raise ApiError."""
    token = None if anonymous else auth.access_token()
    response = _send(method, path, params=params, json=json, token=token)
    if response.status_code == 401 and not anonymous:
        # The service may have revoked or expired the token before our clock said so.
        auth.refresh()
        response = _send(method, path, params=params, json=json, token=auth.access_token())
        if response.status_code == 401:
            auth.sign_out()
            raise auth.LoginRequired()
    if response.status_code >= 400:
        raise from_response(response, upstream_for(path) or "upstream")
    return _decode(response)


def get(path: str, **params) -> Any:
    """GET ``path`` with query ``params`` (None values dropped)."""
    return call("GET", path, params={k: v for k, v in params.items() if v not in (None, "")})


def post(path: str, json: Any = None, anonymous: bool = False) -> Any:
    """POST JSON to ``path``."""
    return call("POST", path, json=json, anonymous=anonymous)


def call_identity_refresh(refresh_token: str) -> dict | None:
    """New tokens for ``refresh_token``, or None when identity refuses it."""
    response = _send("POST", "/api/identity/refresh", json={"refresh_token": refresh_token})
    if response.status_code != 200:
        logger.info("token refresh refused with HTTP %s", response.status_code)
        return None
    return _decode(response)


def _with_refresh(method: str, path: str, **kw) -> httpx.Response:
    """Send as the signed-in account, refreshing an expired token once (streamed answers too)."""
    response = _send(method, path, token=auth.access_token(), **kw)
    if response.status_code == 401:
        response.close()
        auth.refresh()
        for _name, (_filename, stream, _type) in kw.get("files") or []:
            stream.seek(0)
        response = _send(method, path, token=auth.access_token(), **kw)
        if response.status_code == 401:
            auth.sign_out()
            raise auth.LoginRequired()
    return response


def upload(path: str, files: list[tuple[str, object, str]]) -> Any:
    """POST ``files`` ((name, seekable stream, type)) as multipart ``file`` fields, as JSM clients do.

    httpx reads each stream in chunks while sending, so a file is never held whole in memory.
    """
    parts = [("file", f) for f in files]
    response = _with_refresh("POST", path, files=parts, extra_headers={"X-Atlassian-Token": "no-check"})
    if response.status_code >= 400:
        raise from_response(response, upstream_for(path) or "upstream")
    return _decode(response)


def stream(path: str) -> httpx.Response:
    """GET ``path`` as a stream (a file's bytes); the caller closes it. Errors raise ApiError."""
    response = _with_refresh("GET", path, extra_headers={"Accept": "*/*"}, stream=True)
    if response.status_code >= 400:
        response.read()
        response.close()
        raise from_response(response, upstream_for(path) or "upstream")
    return response
