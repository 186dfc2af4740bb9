"""Access tokens: identity signs them (RS256), every service verifies them itself.

No service calls identity per request: the public key comes from a PEM file or from identity's
JWKS document (fetched once and cached). ``require_auth`` puts the caller's ``Principal`` in
``flask.g.principal``; use cases receive it as an argument.
"""
from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app, g, request

from .errors import Forbidden, Unauthorized

ALGORITHM = "RS256"
ISSUER = "servicedesk-identity"
AUDIENCE = "servicedesk"
# The roles, once for every service: customers raise requests, staff (agents, admins) answer them;
# agents work on the desks they belong to, admins on every desk. Every service and page asks
# ``is_staff`` / ``is_admin`` (or compares with these names), tested against ``ROLE_TABLE``.
CUSTOMER, AGENT, ADMIN = "customer", "agent", "admin"
ROLES = (CUSTOMER, AGENT, ADMIN)
STAFF_ROLES = (AGENT, ADMIN)


def is_staff(role: str | None) -> bool:
    """Whether ``role`` answers requests (agents and admins)."""
    return role in STAFF_ROLES


def is_admin(role: str | None) -> bool:
    """Whether ``role`` administers every desk and account."""
    return role == ADMIN


def is_customer(role: str | None) -> bool:
    """Whether ``role`` is a customer's (accounts that raise requests, never answer them)."""
    return role == CUSTOMER


# role, is_staff, is_admin, is_customer: the rule above for every role and for what is no role.
ROLE_TABLE: tuple[tuple[str | None, bool, bool, bool], ...] = (
    (CUSTOMER, False, False, True),
    (AGENT, True, False, False),
    (ADMIN, True, True, False),
    ("Admin", False, False, False),
    ("", False, False, False),
    (None, False, False, False),
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account id plus what the token says about it."""

    id: str
    email: str
    role: str = CUSTOMER
    name: str | None = None
    language: str = "en"
    kind: str | None = None
    token_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_agent(self) -> bool:
        return is_staff(self.role)

    @property
    def is_admin(self) -> bool:
        return is_admin(self.role)


def generate_private_key_pem() -> bytes:
    """A fresh 2048-bit RSA key in PKCS#8 PEM (for development and tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_pem: bytes) -> str:
    """A stable ``kid`` derived from the public key."""
    import hashlib

    return hashlib.sha256(public_pem).hexdigest()[:16]


def jwks_document(public_pem: bytes) -> dict:
    """The JWKS document identity publishes for its signing key."""
    import json

    public_key = serialization.load_pem_public_key(public_pem)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    jwk.update({"kid": key_id(public_pem), "use": "sig", "alg": ALGORITHM})
    return {"keys": [jwk]}


class TokenIssuer:
    """Signs access tokens (identity only holds one)."""

    def __init__(self, private_pem: bytes, ttl_seconds: int = 900, issuer: str = ISSUER, audience: str = AUDIENCE):
        self.private_pem = private_pem
        self.public_pem = public_key_pem(private_pem)
        self.kid = key_id(self.public_pem)
        self.ttl = ttl_seconds
        self.issuer = issuer
        self.audience = audience

    def issue(self, principal: Principal, **extra_claims: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.id,
            "email": principal.email,
            "role": principal.role,
            "name": principal.name,
            "lang": principal.language,
            "kind": principal.kind,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl,
            "jti": principal.token_id or uuid.uuid4().hex,
            **extra_claims,
        }
        return jwt.encode(claims, self.private_pem, algorithm=ALGORITHM,
                          headers={"kid": self.kid, "typ": "at+jwt"})


VERIFIED_TOKENS_KEPT = 10_000


class TokenVerifier:
    """Verifies access tokens against static public keys or a JWKS URL (cached)."""

    def __init__(self, public_pems: Iterable[bytes] = (), jwks_url: str | None = None,
                 issuer: str = ISSUER, audience: str = AUDIENCE, leeway: int = 5):
        self.keys = {key_id(pem): serialization.load_pem_public_key(pem) for pem in public_pems}
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600) if jwks_url else None
        if not self.keys and self.jwks is None:
            raise ValueError("a TokenVerifier needs a public key or a JWKS URL")
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        # token -> (principal, expiry): a client sends the same token with every request until it
        # expires, and an RS256 check plus claim parsing costs more than the rest of a cheap read.
        self._verified: dict[str, tuple[Principal, float]] = {}

    def _key_for(self, token: str):
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise jwt.InvalidAlgorithmError("unexpected algorithm")
        if header.get("typ") != "at+jwt":
            raise jwt.InvalidTokenError("not an access token")
        kid = header.get("kid")
        if kid in self.keys:
            return self.keys[kid]
        if self.jwks is not None:
            return self.jwks.get_signing_key(kid).key
        raise jwt.InvalidKeyError("unknown signing key")

    def verify(self, token: str) -> Principal:
        """Return the token's principal; raise Unauthorized for any bad, expired or foreign token.

        A token once verified is remembered until it expires (a bounded memo per process); only a
        valid token is remembered, so a bad one is checked, and refused, every time.
        """
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token, self._key_for(token), algorithms=[ALGORITHM], audience=self.audience,
                issuer=self.issuer, leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired; refresh it or log in again.") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized("The access token is not valid.") from exc
        if claims.get("role") not in ROLES:
            raise Unauthorized("The access token carries no known role.")
        return Principal(
            id=claims["sub"], email=claims.get("email", ""), role=claims["role"],
            name=claims.get("name"), language=claims.get("lang") or "en", kind=claims.get("kind"),
            token_id=claims.get("jti"),
        ), float(claims["exp"]) + self.leeway


def bearer_token() -> str | None:
    # The environ, as ``request.headers`` would read it, without its lookup raising for a missing header.
    return _bearer(request.environ.get("HTTP_AUTHORIZATION", ""))


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def authenticate() -> Principal:
    """Verify the request's Bearer token with the app's verifier and remember the principal."""
    # Flask's context proxies read once each: every read costs a lookup, and this runs for every request.
    store = g._get_current_object()
    principal = getattr(store, "principal", None)
    if principal is not None:
        return principal
    token = bearer_token()
    if token is None:
        raise Unauthorized()
    extensions = current_app._get_current_object().extensions
    verifier: TokenVerifier = extensions["token_verifier"]
    store.principal = principal = verifier.verify(token)
    extra_check = extensions.get("principal_check")
    if extra_check is not None:
        extra_check(principal)
    return principal


def optional_principal() -> Principal | None:
    """The caller if a token was sent (and valid), else None."""
    return authenticate() if bearer_token() else None


def require_auth(*roles: str):
    """View decorator: 401 without a valid token, 403 when the caller's role is not in ``roles``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = authenticate()
            if roles and principal.role not in roles:
                raise Forbidden("You do not have permission to do this: it needs one of the roles "
                                + ", ".join(roles) + ".")
            return view(*args, **kwargs)

        return wrapper

    return decorate
