"""Forgot, reset and change password."""
from __future__ import annotations

import logging
import uuid

from common.auth import Principal
from common.errors import Forbidden, Unauthorized, ValidationFailed

from .. import integration_events as ev
from ..domain.model import Account, normalise_email
from ..domain.passwords import check_password
from ..domain.tokens import INVITE, RESET
from . import tokens
from ..store.uow import UnitOfWork
from .base import Deps, chosen_language, rules

logger = logging.getLogger(__name__)
FORGOT_ANSWER = {"message": "If an account exists for this email, we have sent it a link to reset the password."}


def forgot(deps: Deps, *, email: object, address: str | None, language: object = None) -> dict:
    """Email a reset link to a known account; the answer, and its cost, are the same whether the email is known.

    ``language`` (the form's choice) decides the email's language for this once; else the account's own.
    """
    with rules("email"):
        address_email = normalise_email(email)
    language = chosen_language(language)
    deps.limiter.hit("forgot", address_email, address, deps.settings.forgot_limit)
    with deps.uow() as uow:
        account = uow.repo.account_by_email(address_email)
        usable = account is not None and account.active and account.has_password
        if account is not None and account.active and not account.has_password and \
                uow.repo.latest_tokens([account.id], INVITE):
            # Invited but never accepted: there is no password to reset, so a fresh invitation link
            # (the old one stops working); the answer on screen stays the same.
            uow.savepoint(lambda: _send_invitation(deps, uow, account, language), keep=True)
            uow.commit()
            return dict(FORGOT_ANSWER)
        if not usable:
            now = deps.now()
            account = Account(email=f"{uuid.uuid4().hex}@decoy.invalid", created_at=now, updated_at=now)
            uow.repo.add(account)
        uow.savepoint(lambda: _send_reset(deps, uow, account, language), keep=usable)
        uow.commit()
    return dict(FORGOT_ANSWER)


def _send_invitation(deps: Deps, uow: UnitOfWork, account: Account, language: str | None) -> None:
    if language and account.update_profile(deps.now(), language=language):
        uow.emit(ev.account_updated(account))
    link, token = tokens.issue(deps, uow, account, INVITE, deps.settings.invitation_ttl)
    uow.emit(ev.customer_invited(account, link, token.expires_at, account.invited_by))


def _send_reset(deps: Deps, uow: UnitOfWork, account: Account, language: str | None) -> None:
    link, token = tokens.issue(deps, uow, account, RESET, deps.settings.reset_ttl)
    uow.emit(ev.password_reset_requested(account, link, token.expires_at, language=language))


def reset(deps: Deps, *, token: object, password: object) -> None:
    """Set a new password from a reset link: the link works once and every session ends."""
    with deps.uow() as uow:
        with rules():
            account = tokens.redeem(deps, uow, token, RESET)
        if not account.active:
            raise Forbidden("This account has been deactivated; contact the support team.")
        with rules("password"):
            check_password(password, account.email)
        now = deps.now()
        account.set_password(deps.passwords.hash(password), now)
        # Following the emailed link proves the address, like accepting an invitation.
        account.verify_email(now)
        uow.repo.revoke_refresh_tokens(now, account_id=account.id)
        uow.emit(ev.password_changed(account))
        uow.commit()
    logger.info("password reset for account %s", account.id)


def change(deps: Deps, *, actor: Principal, current: object, new: object) -> None:
    """Change the caller's password (needs the current one); other sessions end."""
    if not isinstance(current, str) or not current:
        raise ValidationFailed("Give your current password.", errors={"currentPassword": ["Required."]})
    with deps.uow() as uow:
        account = uow.repo.account(actor.id)
        if account is None or not account.active:
            raise Unauthorized("This account no longer exists or has been deactivated.")
        if not deps.passwords.verify(account.password_hash, current):
            raise ValidationFailed("The current password is incorrect.",
                                   errors={"currentPassword": ["Incorrect."]})
        with rules("newPassword"):
            check_password(new, account.email)
        if new == current:
            raise ValidationFailed("The new password must differ from the current one.",
                                   errors={"newPassword": ["Unchanged."]})
        now = deps.now()
        account.set_password(deps.passwords.hash(new), now)
        uow.repo.revoke_refresh_tokens(now, account_id=account.id)
        for old in uow.repo.open_tokens(account.id, RESET):
            old.revoke(now)
        uow.emit(ev.password_changed(account))
        uow.commit()
