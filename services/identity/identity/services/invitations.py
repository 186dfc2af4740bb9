"""Agents invite internal customers; invitees accept with a password."""
from __future__ import annotations

import logging

from common.auth import Principal, is_customer
from common.errors import BadRequest, NotFound, ValidationFailed
from common.i18n import normalise

from .. import integration_events as ev
from ..domain.model import (
    INTERNAL, LANGUAGES, Account, InvalidEmail, invitation_state, normalise_email,
)
from ..domain.tokens import INVITE, RESET
from ..store.uow import UnitOfWork
from . import tokens
from .base import Deps, accounts_within, chosen_language, reach_account, require_agent

logger = logging.getLogger(__name__)
MAX_EMAILS = 100
STATES = ("pending", "accepted", "expired")


def _emails(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("Give at least one email address in 'emails'.", errors={"emails": ["Required."]})
    if len(raw) > MAX_EMAILS:
        raise ValidationFailed(f"Invite at most {MAX_EMAILS} emails at a time.", errors={"emails": ["Too many."]})
    result, bad = [], []
    for item in raw:
        try:
            email = normalise_email(item)
        except InvalidEmail as exc:
            bad.append(str(exc))
            continue
        if email not in result:
            result.append(email)
    if bad:
        raise ValidationFailed("; ".join(bad), errors={"emails": bad})
    return result


def _view(account: Account, state: str, action: str, expires_at=None) -> dict:
    return {"accountId": account.id, "email": account.email, "displayName": account.display_name,
            "state": state, "action": action, "expiresAt": expires_at}


def invite_one(deps: Deps, uow: UnitOfWork, email: str, *, invited_by: str | None, language: str | None = None,
               default_language: str = "en", display_name: str | None = None) -> dict:
    """Invite one email inside the caller's unit of work; existing accounts get a reset link instead.

    ``language``, the one the request chose, is kept by accounts that have not logged in yet; new
    accounts without a choice get ``default_language`` (the inviter's).
    """
    account = uow.repo.account_by_email(email)
    now = deps.now()
    if account is None:
        account = Account(email=email, kind=INTERNAL, language=language or default_language,
                          display_name=display_name, created_at=now, updated_at=now, invited_by=invited_by)
        uow.repo.add(account)
        uow.emit(ev.account_created(account))
        action = "invited"
    elif not account.active:
        return _view(account, "inactive", "none")
    elif account.has_password and account.email_verified:
        link, token = tokens.issue(deps, uow, account, RESET, deps.settings.reset_ttl)
        uow.emit(ev.password_reset_requested(account, link, token.expires_at))
        return _view(account, "accepted", "reset_link_sent")
    elif account.kind != INTERNAL and not uow.repo.latest_tokens([account.id], INVITE):
        # A sign-up that was never confirmed: the support team now vouches for the address.
        account.kind = INTERNAL
        account.invited_by = account.invited_by or invited_by
        account.update_profile(now, language=language or account.language)
        account.updated_at = now
        uow.emit(ev.account_created(account))
        action = "invited"
    else:
        if language and account.update_profile(now, language=language):
            uow.emit(ev.account_updated(account))
        action = "reinvited"
    link, token = tokens.issue(deps, uow, account, INVITE, deps.settings.invitation_ttl)
    uow.emit(ev.customer_invited(account, link, token.expires_at, invited_by))
    return _view(account, "pending", action, ev._iso(token.expires_at))


def _beyond(uow: UnitOfWork, actor: Principal, email: str) -> bool:
    """Whether ``email`` is an existing account outside the agent's reach (domain.scope)."""
    account = uow.repo.account_by_email(email)
    return account is not None and not actor.is_admin and not uow.repo.account_in_scope(actor.id, account.id)


def _out_of_reach(email: str) -> dict:
    # Someone else's customer: nothing is sent and nothing about the account is shown.
    return {"accountId": None, "email": email, "displayName": None, "state": "exists", "action": "none",
            "expiresAt": None}


def invite(deps: Deps, *, actor: Principal, emails: object, language: object = None) -> list[dict]:
    """Invite internal customers by email; return one entry per email with its state.

    Language: ``language`` (the body's, else Accept-Language's), else the inviting agent's own. An
    existing account beyond the agent's reach gets nothing (state ``exists``).
    """
    require_agent(actor)
    addresses = _emails(emails)
    lang = chosen_language(language)
    with deps.uow() as uow:
        results = [_out_of_reach(email) if _beyond(uow, actor, email) else
                   invite_one(deps, uow, email, invited_by=actor.id, language=lang,
                              default_language=normalise(actor.language, LANGUAGES)) for email in addresses]
        uow.commit()
    logger.info("invited %d email(s)", len(results))
    return results


def resend(deps: Deps, *, actor: Principal, account_id: str) -> dict:
    """Send a fresh invitation link to a pending invitee; the previous link stops working."""
    require_agent(actor)
    with deps.uow() as uow:
        account = uow.repo.account(account_id)
        if account is None or not is_customer(account.role):
            raise NotFound(f"No customer has the id '{account_id}'.")
        reach_account(uow, actor, account, account_id)
        result = invite_one(deps, uow, account.email, invited_by=actor.id)
        uow.commit()
    return result


def list_invitations(deps: Deps, *, actor: Principal, start: int, limit: int,
                     state: str | None = None) -> tuple[list[dict], bool]:
    """Invited customers (by agents or onto requests) with the state of their invitation, newest first."""
    require_agent(actor)
    if state is not None and state not in STATES:
        raise BadRequest(f"state must be one of {', '.join(STATES)}, not '{state}'.")
    with deps.uow() as uow:
        now = deps.now()
        accounts = uow.repo.invitees(state, now, start, limit, within=accounts_within(uow, actor))
        page, is_last = accounts[:limit], len(accounts) <= limit
        latest = uow.repo.latest_tokens([a.id for a in page], INVITE)
        values = []
        for account in page:
            token = latest.get(account.id)
            state = invitation_state(account, token.state(now) if token else None)
            values.append(_view(account, state, "none", ev._iso(token.expires_at) if token else None))
    return values, is_last


def accept(deps: Deps, *, token: object, password: object, display_name: object = None) -> Account:
    """Redeem an invitation: set the password (and name), prove the email; the link works once."""
    with deps.uow() as uow:
        account, name = tokens.redeem_with_password(deps, uow, token, INVITE, password, display_name)
        if name and account.update_profile(deps.now(), display_name=name):
            uow.emit(ev.account_updated(account))
        uow.commit()
    logger.info("invitation accepted by account %s", account.id)
    return account
