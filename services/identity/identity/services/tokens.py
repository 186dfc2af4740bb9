"""Issuing and redeeming emailed single-use tokens inside a unit of work."""
from __future__ import annotations

from ..domain.errors import TokenRejected
from ..domain.model import Account
from ..domain.tokens import OneTimeToken, hash_secret, new_secret, require_secret
from ..store.uow import UnitOfWork
from .base import Deps

LINK_PATHS = {"invite": "/portal/invitation", "signup": "/portal/signup/confirm", "reset": "/portal/reset-password"}


def issue(deps: Deps, uow: UnitOfWork, account: Account, purpose: str, ttl: int) -> tuple[str, OneTimeToken]:
    """Kill every earlier open token of this purpose and return (emailed link, new token)."""
    now = deps.now()
    for old in uow.repo.open_tokens(account.id, purpose):
        old.revoke(now)
    secret = new_secret()
    token = OneTimeToken(account_id=account.id, purpose=purpose, token_hash=hash_secret(secret),
                         created_at=now, expires_at=deps.later(ttl))
    uow.repo.add(token)
    return deps.settings.link(LINK_PATHS[purpose], secret), token


def redeem(deps: Deps, uow: UnitOfWork, secret: object, purpose: str) -> Account:
    """Use a token once and return its account; raise TokenRejected (empty, unknown, used, revoked, expired)."""
    secret = require_secret(secret)
    token = uow.repo.one_time_token(hash_secret(secret))
    if token is None:
        raise TokenRejected("unknown")
    now = deps.now()
    token.redeem(now, purpose)
    for other in uow.repo.open_tokens(token.account_id, purpose):
        other.revoke(now)
    account = uow.repo.account(token.account_id)
    if account is None:
        raise TokenRejected("unknown")
    return account
