"""Login, rotating refresh tokens with reuse detection, logout, and API-token exchange."""
from __future__ import annotations

import base64
import binascii
import logging
import uuid

from common.auth import Principal
from common.errors import Unauthorized, ValidationFailed

from ..domain.errors import TokenRejected
from ..domain.model import Account, InvalidEmail, normalise_email
from ..domain.tokens import RefreshToken, hash_secret, new_secret, require_secret, reuse_within_grace
from ..store.uow import UnitOfWork
from .base import Deps, principal_of

logger = logging.getLogger(__name__)
BAD_CREDENTIALS = "The email or password is incorrect."


def _issue_pair(deps: Deps, uow: UnitOfWork, account: Account, family_id: str | None = None,
                parent_id: str | None = None) -> dict:
    secret = new_secret()
    now = deps.now()
    uow.repo.add(RefreshToken(id=str(uuid.uuid4()), account_id=account.id, family_id=family_id or str(uuid.uuid4()),
                              token_hash=hash_secret(secret), created_at=now, parent_id=parent_id,
                              expires_at=deps.later(deps.settings.refresh_token_ttl)))
    return {"access_token": deps.issuer.issue(principal_of(account)), "token_type": "Bearer",
            "expires_in": deps.issuer.ttl, "refresh_token": secret}


def login(deps: Deps, *, email: object, password: object, address: str | None) -> dict:
    """Check email and password; return an access token and a new refresh-token family."""
    try:
        address_email = normalise_email(email)
    except InvalidEmail:
        address_email = None
    limit = deps.settings.login_limit
    deps.limiter.check("login", address_email, address, limit)
    if not isinstance(password, str) or not password or address_email is None:
        deps.limiter.fail("login", address_email, address, limit)
        raise Unauthorized(BAD_CREDENTIALS)
    with deps.uow() as uow:
        account = uow.repo.account_by_email(address_email)
        # Unknown accounts still pay one hash verification, so timing does not reveal who exists.
        ok = deps.passwords.verify(account.password_hash if account else None, password)
        if not ok or account is None or not account.email_verified:
            deps.limiter.fail("login", address_email, address, limit)
            raise Unauthorized(BAD_CREDENTIALS)
        if not account.active:
            raise Unauthorized("This account has been deactivated; contact the support team.")
        if deps.passwords.needs_rehash(account.password_hash):
            account.set_password(deps.passwords.hash(password), deps.now())
        tokens = _issue_pair(deps, uow, account)
        uow.commit()
    logger.info("account %s logged in", account.id)
    return tokens


def refresh(deps: Deps, *, refresh_token: object) -> dict:
    """Rotate a refresh token; presenting an already rotated one revokes its whole family.

    The link rotated last may be presented again within ``refresh_reuse_grace`` seconds (two requests
    of one client refreshing at once); that answers with a sibling pair instead of revoking the family.
    """
    try:
        secret = require_secret(refresh_token)
    except TokenRejected:
        raise Unauthorized("Send the refresh_token you received at login.") from None
    with deps.uow() as uow:
        current = uow.repo.refresh_token(hash_secret(secret))
        if current is None:
            raise Unauthorized("The refresh token is not valid; log in again.")
        now = deps.now()
        try:
            current.check(now)
        except TokenRejected as exc:
            if exc.reason == "used" and reuse_within_grace(current, uow.repo.refresh_children(current.id), now,
                                                           deps.settings.refresh_reuse_grace):
                return _sibling_pair(deps, uow, current)
            if exc.reason == "used":
                # Someone replayed a rotated token: the thief or the owner holds a copy; end both.
                uow.repo.revoke_refresh_tokens(now, family_id=current.family_id)
                uow.commit()
                logger.warning("refresh token reuse detected; family %s revoked", current.family_id)
            raise Unauthorized("The refresh token is no longer valid; log in again.") from exc
        account = uow.repo.account(current.account_id)
        if account is None or not account.active:
            raise Unauthorized("This account has been deactivated; contact the support team.")
        current.used_at = now
        tokens = _issue_pair(deps, uow, account, family_id=current.family_id, parent_id=current.id)
        uow.commit()
    return tokens


def _sibling_pair(deps: Deps, uow: UnitOfWork, current: RefreshToken) -> dict:
    account = uow.repo.account(current.account_id)
    if account is None or not account.active:
        raise Unauthorized("This account has been deactivated; contact the support team.")
    tokens = _issue_pair(deps, uow, account, family_id=current.family_id, parent_id=current.id)
    uow.commit()
    logger.info("refresh token of family %s reused within the grace window; sibling issued", current.family_id)
    return tokens


def logout(deps: Deps, *, refresh_token: object, actor: Principal | None) -> None:
    """End the session of ``refresh_token``, or every session of the caller when none is given."""
    # A malformed token must not fall through to "end all sessions": that would sign the caller out everywhere.
    if refresh_token is not None and not (isinstance(refresh_token, str) and refresh_token.strip()):
        raise ValidationFailed("refresh_token must be the refresh token you received at login, or be left out "
                               "to end all your sessions.", errors={"refresh_token": ["Must be a non-empty string."]})
    with deps.uow() as uow:
        now = deps.now()
        if refresh_token is not None:
            current = uow.repo.refresh_token(hash_secret(refresh_token.strip()))
            if current is not None:
                uow.repo.revoke_refresh_tokens(now, family_id=current.family_id)
        elif actor is not None:
            uow.repo.revoke_refresh_tokens(now, account_id=actor.id)
        else:
            raise Unauthorized("Send the refresh_token to end, or a Bearer token to end all your sessions.")
        uow.commit()


def parse_basic(header: str | None) -> tuple[str, str]:
    """(email, secret) from an ``Authorization: Basic`` header, or Unauthorized."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise Unauthorized("Send Authorization: Basic with your email and an API token.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("The Basic credentials are not valid base64 of email:token.") from None
    email, sep, secret = decoded.partition(":")
    if not sep or not email or not secret:
        raise Unauthorized("The Basic credentials must be email:token.")
    return email, secret


def exchange(deps: Deps, *, authorization: str | None, address: str | None) -> dict:
    """Swap Basic email + API token for a short access token (the gateway calls this).

    A valid token is always accepted: limits only count and refuse failures, so nobody else's wrong
    guesses can lock a script out.
    """
    email, secret = parse_basic(authorization)
    try:
        address_email = normalise_email(email)
    except InvalidEmail:
        address_email = None
    limit = deps.settings.login_limit
    with deps.uow() as uow:
        # API tokens carry 256 random bits: looking one up first gives a guesser nothing.
        token = uow.repo.api_token(hash_secret(secret))
        account = uow.repo.account(token.account_id) if token else None
        if token is None or account is None or account.email != address_email:
            deps.limiter.check("basic", address_email, address, limit)
            deps.limiter.fail("basic", address_email, address, limit)
            raise Unauthorized("The email or API token is incorrect.")
        if not account.active:
            raise Unauthorized("This account has been deactivated; contact the support team.")
        token.last_used_at = deps.now()
        uow.commit()
    return {"access_token": deps.issuer.issue(principal_of(account)), "token_type": "Bearer",
            "expires_in": deps.issuer.ttl}
