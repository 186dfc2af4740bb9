"""What every use case receives, and the translation of domain rule violations into API errors."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

from common.auth import Principal, TokenIssuer, is_customer
from common.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from common.outbox import Outbox

from ..domain.errors import DomainError, PasswordRejected, TokenRejected
from ..domain.model import Account, check_language
from ..domain import scope
from ..domain.names import check_customer_name
from ..hashing import Passwords
from ..ratelimit import RateLimiter
from ..settings import Settings
from ..store.uow import UowFactory


class InvalidToken(BadRequest):
    code = "invalid_token"


@dataclass
class Deps:
    settings: Settings
    uow: UowFactory
    passwords: Passwords
    issuer: TokenIssuer | None  # None in the worker, which signs no access tokens
    limiter: RateLimiter
    outbox: Outbox | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))

    def now(self) -> datetime:
        return self.clock()

    def later(self, seconds: int) -> datetime:
        return self.clock() + timedelta(seconds=seconds)


_TOKEN_MESSAGES = {
    "empty": "The link has no token: open the link from the email again.",
    "unknown": "This link is not valid: it may have been replaced by a newer one. Ask for a new link.",
    "revoked": "This link was replaced by a newer one: use the link in the latest email.",
    "used": "This link has already been used: log in, or ask for a new link.",
    "expired": "This link has expired: ask for a new one.",
}


@contextmanager
def rules(field_name: str | None = None) -> Iterator[None]:
    """Turn domain errors raised inside the block into 400 answers a person can act on."""
    try:
        yield
    except TokenRejected as exc:
        raise InvalidToken(_TOKEN_MESSAGES.get(exc.reason, _TOKEN_MESSAGES["unknown"])) from exc
    except PasswordRejected as exc:
        raise ValidationFailed(str(exc), errors={field_name or "password": [str(exc)]}) from exc
    except DomainError as exc:
        errors = {field_name: [str(exc)]} if field_name else None
        raise ValidationFailed(str(exc), errors=errors) from exc


def chosen_language(value: object) -> str | None:
    """Validate a language the request chose (body or Accept-Language); None when it chose none."""
    if value is None:
        return None
    with rules("language"):
        return check_language(value)


def customer_name(uow, role: str, name: str | None) -> str | None:
    """``name`` when an account of ``role`` may take it: customers' names may not pass for staff's."""
    if not is_customer(role) or not name:
        return name
    with rules("displayName"):
        return check_customer_name(name, uow.repo.staff_names())


def accounts_within(uow, actor: Principal):
    """The accounts ``actor`` reaches as SQL (domain.scope), or None when that is every account (admins)."""
    return None if actor.is_admin else uow.repo.scoped_account_ids(actor.id)


def organisations_within(uow, actor: Principal):
    """The organisations ``actor`` reaches as SQL, or None for every one (admins)."""
    return None if actor.is_admin else uow.repo.scoped_organisation_ids(actor.id)


def reach_account(uow, actor: Principal, account: Account | None, account_id: str, action: str = scope.READ
                  ) -> Account:
    """``account`` when ``actor`` may do ``action`` on it; the 404 of a missing account, or a 403, otherwise."""
    in_scope = account is not None and (actor.is_admin or uow.repo.account_in_scope(actor.id, account.id))
    verdict = scope.decide(actor.role, in_scope, action, account is not None and not is_customer(account.role))
    if account is None or verdict == scope.NOT_FOUND:
        raise NotFound(f"No account has the id '{account_id}'.")
    if verdict == scope.FORBIDDEN:
        raise Forbidden("Only admins can deactivate or reactivate agents and admins.")
    return account


def reach_organisation(uow, actor: Principal, org_id: int) -> None:
    """404, as for a missing organisation, unless ``actor`` reaches it (domain.scope)."""
    in_scope = actor.is_admin or uow.repo.organisation_in_scope(actor.id, org_id)
    if scope.decide(actor.role, in_scope, scope.CHANGE) != scope.ALLOW:
        raise NotFound(f"No organization has the id '{org_id}'.")


def require_agent(actor: Principal) -> None:
    if not actor.is_agent:
        raise Forbidden("Only agents and admins can do this.")


def principal_of(account: Account, token_id: str | None = None) -> Principal:
    return Principal(id=account.id, email=account.email, role=account.role, name=account.display_name,
                     language=account.language, kind=account.kind, token_id=token_id)
