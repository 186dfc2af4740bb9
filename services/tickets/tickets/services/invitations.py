"""Limits on inviting unknown emails onto requests, so a customer cannot make a desk send mail in bulk.

Each invitation is an email from the desk to someone who never asked for it. A customer may send
``per_customer`` of them in ``window`` seconds, and all customers of a desk together ``per_desk``;
past either, the whole change is refused (429 with Retry-After) and nothing is sent. The desk's
agents are not limited. The counts come from the requests' history, which every worker shares.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from common.errors import TooManyRequests

from ..domain.catalog import Desk
from ..store.invitations import recent_invitations
from ..store.uow import UnitOfWork


@dataclass(frozen=True)
class InviteLimits:
    per_customer: int = 10
    per_desk: int = 100
    window: int = 24 * 3600


def check_invitations(uow: UnitOfWork, limits: InviteLimits, actor_id: str, desk: Desk, wanted: int,
                      now: datetime) -> None:
    """Raise TooManyRequests when ``wanted`` more invitations would pass a limit."""
    since = now - timedelta(seconds=limits.window)
    for allowed, (count, oldest), who in (
            (limits.per_customer, recent_invitations(uow.session, since, actor_id=actor_id), "you have"),
            (limits.per_desk, recent_invitations(uow.session, since, desk_id=desk.id), f"desk {desk.key} has")):
        if count + wanted > allowed:
            hours = max(1, round(limits.window / 3600))
            retry = limits.window if oldest is None else (_aware(oldest) + timedelta(seconds=limits.window) - now)
            seconds = retry if isinstance(retry, int) else int(retry.total_seconds()) + 1
            raise TooManyRequests(
                f"Too many invitations: {who} invited {count} new people by email in the last {hours} hour(s), "
                f"and at most {allowed} may be invited; add people who already have an account, or try later.",
                retry_after=max(1, seconds))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
