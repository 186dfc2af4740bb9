"""A reporter or participant invited an email nobody had an account for onto a ticket (tickets' event)."""
from __future__ import annotations

import logging

from .. import integration_events as ev
from ..domain.model import EXTERNAL, Account
from ..domain.tokens import INVITE
from ..store.uow import UnitOfWork
from . import tokens
from .base import Deps

logger = logging.getLogger(__name__)


def invite_participant(deps: Deps, uow: UnitOfWork, *, email: str, language: str, invited_by: str | None,
                       ticket: dict) -> str:
    """Give the email an external account and an invitation link; return what was done.

    ``created``: a new invited account; ``invited``: an unconfirmed sign-up got the invitation;
    ``none``: the account exists (tickets resolves it by email) or is deactivated.
    """
    account = uow.repo.account_by_email(email)
    now = deps.now()
    if account is None:
        account = Account(email=email, kind=EXTERNAL, language=language, created_at=now, updated_at=now)
        uow.repo.add(account)
        uow.emit(ev.account_created(account))
        outcome = "created"
    elif not account.active or account.email_verified or account.has_password:
        return "none"
    elif account.kind == EXTERNAL and not uow.repo.latest_tokens([account.id], INVITE):
        # A sign-up that was never confirmed has not been announced yet; from now on tickets may know it.
        account.update_profile(now, language=language)
        uow.emit(ev.account_created(account))
        outcome = "invited"
    else:
        # Already invited (by an agent or an earlier ticket): that account is known to tickets.
        return "none"
    link, token = tokens.issue(deps, uow, account, INVITE, deps.settings.invitation_ttl)
    uow.emit(ev.customer_invited(account, link, token.expires_at, invited_by, ticket=ticket))
    uow.commit()
    logger.info("participant invitation for account %s (%s)", account.id, outcome)
    return outcome
