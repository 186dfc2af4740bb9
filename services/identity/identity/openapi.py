"""OpenAPI 3.0 description of identity's native API, served at ``/api/identity/openapi.json``.

The JSM-compatible endpoints (``/rest/servicedeskapi/organization``, ``/customer``) follow Atlassian's
own document; they are listed here by reference only.
"""
from __future__ import annotations

from typing import Any

from common.auth import ROLES
from common.i18n import SUPPORTED


def _obj(required: list[str] | None = None, **props: Any) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


S, I, B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
NS = {"type": "string", "nullable": True}


def _op(summary: str, body: dict | None = None, ok: int = 200, result: dict | None = None, auth: bool = True,
        errors: tuple[int, ...] = ()) -> dict:
    """One operation; ``errors`` are its statuses beyond 400 (and 401, 403 when it needs a token)."""
    op: dict[str, Any] = {"summary": summary, "responses": {
        str(ok): {"description": "OK"} if result is None else
        {"description": "OK", "content": {"application/json": {"schema": result}}},
    }}
    codes = {400, *errors} | ({401, 403} if auth else set())
    for code in sorted(codes):
        op["responses"][str(code)] = {"$ref": "#/components/responses/Error"}
    if auth:
        op["security"] = [{"bearer": []}]
    else:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _query(op: dict, **params: dict) -> dict:
    """Add query parameters to an operation."""
    # An empty value (``?start=``) means the default, as an absent parameter does.
    op["parameters"] = [{"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema}
                        for name, schema in params.items()]
    return op


PAGING = {"start": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100}}
LANGUAGE = {"type": "string", "enum": list(SUPPORTED),
            "description": "Recipient's language; else Accept-Language decides (else the inviter's, for invitations)"}
ACCOUNT = {"$ref": "#/components/schemas/Account"}
TOKENS = _obj(["access_token", "token_type", "expires_in"], access_token=S, token_type=S, expires_in=I,
              refresh_token=S)
TOKEN_PASSWORD = _obj(["token", "password"], token=S, password=S, displayName=S)
MESSAGE = _obj(["message"], message=S)
ORG = _obj(["id", "name"], id=S, name=S, createdAt=NS)
PAGE = _obj(["start", "limit", "size", "isLastPage", "values"], start=I, limit=I, size=I, isLastPage=B,
            values={"type": "array", "items": {}})
INVITATION = _obj(None, accountId=NS, email=S, displayName=NS, state={"type": "string", "enum": [
    "pending", "accepted", "expired", "inactive", "exists"]}, action=S, expiresAt=NS)
API_TOKEN = _obj(["id", "label", "createdAt"], id=S, label=S, createdAt=S, lastUsedAt=NS, token=S)
MEMBERS = _obj(None, accountIds={"type": "array", "items": S}, emails={"type": "array", "items": S})
P = "/api/identity"


def document() -> dict:
    """The OpenAPI document as a dict."""
    paths = {
        f"{P}/login": {"post": _op("Log in with email and password", _obj(["email", "password"], email=S, password=S),
                                   result=TOKENS, auth=False, errors=(401, 429))},
        f"{P}/refresh": {"post": _op("Rotate a refresh token", _obj(["refresh_token"], refresh_token=S),
                                     result=TOKENS, auth=False, errors=(401,))},
        f"{P}/logout": {"post": _op("End one session (refresh_token) or all of the caller's", _obj(
            None, refresh_token=S), ok=204)},
        f"{P}/tokens/exchange": {"post": _op("Swap Basic email:api_token for an access token", result=TOKENS,
                                             auth=False, errors=(401, 429))},
        f"{P}/.well-known/jwks.json": {"get": _op("Public keys that verify access tokens", auth=False)},
        f"{P}/invitations": {
            "post": _op("Invite internal customers (agents)", _obj(["emails"], emails={"type": "array", "items": S},
                                                                   language=LANGUAGE), ok=201,
                        result=_obj(None, invitations={"type": "array", "items": INVITATION})),
            "get": _query(_op("Invitations and their state (agents)", result=PAGE), **PAGING,
                          state={"type": "string", "enum": ["pending", "accepted", "expired"]})},
        f"{P}/invitations/{{accountId}}/resend": {"post": _op("Send a new invitation link", result=INVITATION, errors=(404,))},
        f"{P}/invitations/accept": {"post": _op("Accept an invitation", TOKEN_PASSWORD, result=ACCOUNT,
                                                auth=False, errors=(403,))},
        f"{P}/signup": {"post": _op("Start an external sign-up", _obj(["email"], email=S, language=LANGUAGE), ok=202,
                                    result=MESSAGE, auth=False, errors=(404, 429))},
        f"{P}/signup/confirm": {"post": _op("Confirm a sign-up", TOKEN_PASSWORD, result=ACCOUNT, auth=False,
                                            errors=(403,))},
        f"{P}/password/forgot": {"post": _op("Ask for a reset link", _obj(["email"], email=S, language=LANGUAGE), ok=202,
                                             result=MESSAGE, auth=False, errors=(429,))},
        f"{P}/links/check": {"post": _op("Whether an emailed link (invite, signup, reset) still works; uses nothing",
                                         _obj(["token", "purpose"], token=S,
                                              purpose={"type": "string", "enum": ["invite", "signup", "reset"]}),
                                         result=_obj(["valid"], valid=B), auth=False)},
        f"{P}/password/reset": {"post": _op("Reset the password", _obj(["token", "password"], token=S, password=S),
                                            ok=204, auth=False, errors=(403,))},
        f"{P}/me": {"get": _op("The caller's account", result=ACCOUNT),
                    "patch": _op("Change name, language, time zone", _obj(
                        None, displayName=S, language={"type": "string", "enum": list(SUPPORTED)}, timeZone=NS),
                        result=ACCOUNT)},
        f"{P}/me/password": {"post": _op("Change the password", _obj(["currentPassword", "newPassword"],
                                                                     currentPassword=S, newPassword=S), ok=204)},
        f"{P}/me/tokens": {"get": _op("API tokens", result=_obj(None, values={"type": "array", "items": API_TOKEN})),
                           "post": _op("Create an API token (shown once)", _obj(["label"], label=S), ok=201,
                                       result=API_TOKEN)},
        f"{P}/me/tokens/{{id}}": {"delete": _op("Revoke an API token", ok=204, errors=(404,))},
        f"{P}/accounts": {"get": _query(
            _op("List or search accounts (agents), paged like JSM", result=PAGE), **PAGING,
            query={"type": "string", "description": "part of the name or email"},
            role={"type": "string", "description": "customer (default), agent, admin; several comma-separated"},
            kind={"type": "string", "enum": ["internal", "external"]}, active=B)},
        f"{P}/accounts/{{accountId}}": {"get": _op("One account (agents)", result=ACCOUNT, errors=(404,))},
        f"{P}/accounts/{{accountId}}/deactivate": {"post": _op("Deactivate an account", result=ACCOUNT, errors=(404,))},
        f"{P}/accounts/{{accountId}}/activate": {"post": _op("Reactivate an account", result=ACCOUNT, errors=(404,))},
        f"{P}/organisations": {"get": _op("Organisations (customers: their own)", result=PAGE),
                               "post": _op("Create an organisation", _obj(["name"], name=S), ok=201, result=ORG,
                                           errors=(409,))},
        f"{P}/organisations/{{id}}": {"patch": _op("Rename", _obj(["name"], name=S), result=ORG, errors=(404, 409)),
                                      "delete": _op("Delete", ok=204, errors=(404,))},
        f"{P}/organisations/{{id}}/members": {"get": _op("Members", result=PAGE, errors=(404,)),
                                              "post": _op("Add members", MEMBERS, ok=204, errors=(404,)),
                                              "delete": _op("Remove members", MEMBERS, ok=204, errors=(404,))},
    }
    # Logout takes a refresh token, a bearer token or both; without a body it ends every session of the caller.
    paths[f"{P}/logout"]["post"]["requestBody"]["required"] = False
    paths[f"{P}/logout"]["post"]["security"] = [{"bearer": []}, {}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Service desk identity API", "version": "1",
                 "description": "Native identity API. The JSM-compatible /rest/servicedeskapi/organization and "
                                "/customer endpoints follow Atlassian's Service Management OpenAPI document."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": _obj(
                ["errorMessage", "code"], errorMessage=S, code=S, errors={"type": "object"})}}}},
            "schemas": {"Account": _obj(
                ["accountId", "email", "role", "active"], accountId=S, email=S, displayName=NS, language=S,
                timeZone=NS, role={"type": "string", "enum": list(ROLES)}, kind=NS, active=B,
                emailVerified=B, organizationIds={"type": "array", "items": S})},
        },
    }
