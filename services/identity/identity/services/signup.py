"""External sign-up: email, then a verification link, then a password. Unverified accounts are invisible."""
from __future__ import annotations

import logging

from common.errors import NotFound

from .. import integration_events as ev
from ..domain.model import EXTERNAL, Account, normalise_email
from ..domain.tokens import INVITE, RESET, SIGNUP
from . import invitations, tokens
from .base import Deps, chosen_language, rules

logger = logging.getLogger(__name__)
SIGNUP_ANSWER = {"message": "Check your inbox: we have sent a link to finish creating your account."}


def signup(deps: Deps, *, email: object, language: object, address: str | None) -> dict:
    """Start a sign-up; answers the same for new and known emails (known ones get a reset or invitation link).

    ``language`` (the body's, else Accept-Language's) is kept by accounts that have not logged in yet.
    """
    if not deps.settings.signup_enabled:
        raise NotFound("Sign-up is turned off: ask the support team for an invitation.")
    with rules("email"):
        address_email = normalise_email(email)
    lang = chosen_language(language)
    deps.limiter.hit("signup", address_email, address, deps.settings.signup_limit)
    with deps.uow() as uow:
        account = uow.repo.account_by_email(address_email)
        now = deps.now()
        if account is None:
            # Not announced to other services until the email is verified.
            account = Account(email=address_email, kind=EXTERNAL, language=lang or "en", created_at=now,
                              updated_at=now)
            uow.repo.add(account)
        if not account.active:
            logger.info("sign-up asked for deactivated account %s; nothing sent", account.id)
        elif account.has_password and account.email_verified:
            link, token = tokens.issue(deps, uow, account, RESET, deps.settings.reset_ttl)
            uow.emit(ev.password_reset_requested(account, link, token.expires_at, language=lang))
        elif account.kind == EXTERNAL and not uow.repo.latest_tokens([account.id], INVITE):
            if lang:
                account.update_profile(now, language=lang)
            link, token = tokens.issue(deps, uow, account, SIGNUP, deps.settings.signup_ttl)
            uow.emit(ev.customer_signed_up(account, link, token.expires_at))
        else:
            invitations.invite_one(deps, uow, address_email, invited_by=None, language=lang)
        uow.commit()
    return dict(SIGNUP_ANSWER)


def confirm(deps: Deps, *, token: object, password: object, display_name: object = None) -> Account:
    """Finish a sign-up from its link: set the password; the account now exists for everyone."""
    with deps.uow() as uow:
        account, name = tokens.redeem_with_password(deps, uow, token, SIGNUP, password, display_name)
        if name:
            account.update_profile(deps.now(), display_name=name)
        uow.emit(ev.account_created(account))
        uow.commit()
    logger.info("sign-up confirmed for account %s", account.id)
    return account
