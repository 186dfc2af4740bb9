"""HTTP views: thin wrappers that parse the request, call one use case and shape the answer."""
from __future__ import annotations

from flask import current_app, request

from common.i18n import negotiate

from ..domain.model import Account
from ..services.base import Deps


def deps() -> Deps:
    return current_app.extensions["identity"]


def client_address() -> str | None:
    """The caller's address (ProxyFix has already applied the trusted X-Forwarded-For hops)."""
    return request.remote_addr


def requested_language(body: dict) -> object:
    """The body's ``language`` when given, else a supported language the Accept-Language header names, else None."""
    if body.get("language") not in (None, ""):
        return body["language"]
    header = request.headers.get("Accept-Language") or ""
    chosen = negotiate(header)
    named = {part.split(";")[0].strip().split("-")[0].lower() for part in header.split(",")}
    return chosen if chosen in named else None


def account_json(account: Account, organisation_ids: list[int] | None = None) -> dict:
    body = {
        "accountId": account.id,
        "email": account.email,
        "displayName": account.display_name,
        "language": account.language,
        "timeZone": account.time_zone,
        "role": account.role,
        "kind": account.kind,
        "active": account.active,
        "emailVerified": account.email_verified,
    }
    if organisation_ids is not None:
        body["organizationIds"] = [str(i) for i in organisation_ids]
    return body
