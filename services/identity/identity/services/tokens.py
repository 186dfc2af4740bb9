"""Issuing and redeeming emailed single-use tokens inside a unit of work."""
from __future__ import annotations

from common.errors import Forbidden

from ..domain.errors import TokenRejected
from ..domain.model import Account, clean_name
from ..domain.passwords import check_password
from ..domain.tokens import OneTimeToken, hash_secret, new_secret, require_secret
from ..store.uow import UnitOfWork
from .base import Deps, customer_name, rules

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


PURPOSES = tuple(LINK_PATHS)


def is_usable(deps: Deps, secret: object, purpose: str) -> bool:
    """Whether an emailed link would still be accepted (pages say so before the form is filled in)."""
    if purpose not in PURPOSES or not isinstance(secret, str) or not secret or len(secret) > 512:
        return False
    with deps.uow() as uow:
        token = uow.repo.one_time_token(hash_secret(secret))
        account = uow.repo.account(token.account_id) if token is not None else None
        return (token is not None and token.purpose == purpose and token.state(deps.now()) == "valid"
                and account is not None and account.active)


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


def redeem_with_password(deps: Deps, uow: UnitOfWork, secret: object, purpose: str, password: object,
                         display_name: object) -> tuple[Account, str | None]:
    """Redeem an invitation or sign-up link: set the first password, prove the email.

    Returns the account and the cleaned display name (None when none was given); the caller
    applies the name and emits its own event.
    """
    with rules():
        account = redeem(deps, uow, secret, purpose)
    if not account.active:
        raise Forbidden("This account has been deactivated; contact the support team.")
    with rules("password"):
        check_password(password, account.email)
    with rules("displayName"):
        name = clean_name(display_name)
    name = customer_name(uow, account.role, name)
    now = deps.now()
    account.set_password(deps.passwords.hash(password), now)
    account.verify_email(now)
    return account, name
