"""Finding people to add as participants: exactly whom ``domain.sharing`` offers, in search and by name."""
from __future__ import annotations

from common.auth import Principal
from common.emails import InvalidEmail, normalise_email
from common.errors import BadRequest

from ..domain.catalog import Account, Desk
from ..domain.sharing import people_scope
from ..domain.visibility import Viewer
from ..store.people import scope_query
from ..store.uow import UnitOfWork
from .common import viewer_for
from .desks import visible_desk


def _within(viewer: Viewer, desk: Desk | None):
    return scope_query(viewer.account_id, desk.id if desk else None, people_scope(viewer, desk))


def search_people(uow: UnitOfWork, principal: Principal, query: str, limit: int = 20,
                  desk_ref: str | None = None) -> list[Account]:
    """People ``principal`` may add to requests of the desk (without a desk: their organisations' members)."""
    if len((query or "").strip()) < 2:
        raise BadRequest("Query parameter 'query' needs at least 2 characters.")
    with uow:
        viewer = viewer_for(uow, principal)
        desk = visible_desk(uow, viewer, desk_ref) if desk_ref else None
        return uow.people.search(query, limit, _within(viewer, desk))


def resolve_participant(uow: UnitOfWork, viewer: Viewer, desk: Desk, ref: object) -> Account | None:
    """The account ``ref`` names for ``viewer`` on ``desk`` (None, as for nobody, when it names no one they
    may add): an email names its account; a display name only someone the people search offers; an
    account id, for the desk's agents, anyone, and for everybody else someone the search offers."""
    text = str(ref).strip()
    if "@" in text:
        try:
            return uow.accounts.by_email(normalise_email(text))
        except InvalidEmail:
            return None
    if not text:
        return None
    if viewer.is_agent_for(desk.id):
        found = uow.accounts.get(text)
        if found is not None:
            return found
    return uow.people.by_id_or_name(text, _within(viewer, desk))
