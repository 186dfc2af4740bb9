"""Finding people to add as participants, without exposing the whole customer base to customers."""
from __future__ import annotations

from common.auth import Principal
from common.errors import BadRequest

from ..domain.catalog import Account
from ..store.uow import UnitOfWork


def search_people(uow: UnitOfWork, principal: Principal, query: str, limit: int = 20) -> list[Account]:
    """Agents search every account; customers search the members of their own organisations."""
    if len((query or "").strip()) < 2:
        raise BadRequest("Query parameter 'query' needs at least 2 characters.")
    with uow:
        within = None if principal.is_agent else uow.accounts.co_members(principal.id)
        return uow.accounts.search(query, limit, within)
