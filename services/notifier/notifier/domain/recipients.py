"""Who is emailed about a ticket event: the audience the tickets service chose, minus what we must skip."""
from __future__ import annotations

from typing import Mapping

from .model import AGENT, CUSTOMER, Account, Recipient


class UnknownAccounts(LookupError):
    """Audience ids absent from the replica: their account event has not arrived yet (retry later)."""

    def __init__(self, ids: list[str]):
        super().__init__(f"accounts not known yet: {', '.join(ids)}")
        self.ids = ids


def audience_ids(audience: Mapping[str, list[str]]) -> list[str]:
    """Every account id named in an audience, customers first, without duplicates."""
    seen: dict[str, None] = {}
    for side in ("customers", "agents"):
        for account_id in audience.get(side) or []:
            seen.setdefault(account_id, None)
    return list(seen)


def select_recipients(
    audience: Mapping[str, list[str]],
    accounts: Mapping[str, Account],
    actor_id: str | None = None,
    include_customers: bool = True,
    include_agents: bool = True,
) -> list[Recipient]:
    """Resolve an audience to recipients; raise UnknownAccounts if any id is not in the replica.

    The actor is never mailed about their own action, inactive accounts are skipped, and an address
    is mailed once even if it appears on both sides (the customer view wins: it hides internal links).
    """
    missing = [i for i in audience_ids(audience) if i not in accounts and i != actor_id]
    if missing:
        raise UnknownAccounts(missing)
    sides = []
    if include_customers:
        sides.append(("customers", CUSTOMER))
    if include_agents:
        sides.append(("agents", AGENT))
    result: list[Recipient] = []
    emails: set[str] = set()
    for key, side in sides:
        for account_id in audience.get(key) or []:
            if account_id == actor_id:
                continue
            account = accounts[account_id]
            address = account.email.lower()
            if not account.active or address in emails:
                continue
            emails.add(address)
            result.append(Recipient(
                email=account.email, language=account.language, side=side,
                display_name=account.display_name, account_id=account.id,
            ))
    return result
