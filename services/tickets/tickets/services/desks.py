"""Use cases on service desks and request types (read side, plus organisation links)."""
from __future__ import annotations

from common.auth import Principal
from common.errors import BadRequest, Forbidden, NotFound

from ..domain.catalog import Desk, RequestType
from ..store.uow import UnitOfWork


def _desk(uow: UnitOfWork, principal: Principal, ref) -> Desk:
    desk = uow.desks.get(ref)
    if desk is None or (not desk.active and not principal.is_agent):
        raise NotFound(f"Service desk '{ref}' does not exist.")
    return desk


def list_desks(uow: UnitOfWork, principal: Principal, start: int, limit: int) -> tuple[list[Desk], bool]:
    """Desks the caller may raise requests on (agents also see inactive ones)."""
    with uow:
        found = uow.desks.list(start, limit + 1, active_only=not principal.is_agent)
        return found[:limit], len(found) <= limit


def get_desk(uow: UnitOfWork, principal: Principal, ref) -> Desk:
    with uow:
        return _desk(uow, principal, ref)


def request_types(uow: UnitOfWork, principal: Principal, desk_ref, search: str | None = None
                  ) -> tuple[Desk, list[RequestType]]:
    """The desk's request types, optionally filtered by a text in name or description."""
    with uow:
        desk = _desk(uow, principal, desk_ref)
        found = uow.desks.request_types(desk.id)
        if search:
            needle = search.lower()
            found = [rt for rt in found if needle in rt.name.lower() or needle in rt.description.lower()]
        return desk, found


def request_type(uow: UnitOfWork, principal: Principal, desk_ref, rt_ref) -> tuple[Desk, RequestType, dict[int, str]]:
    """One request type, with the caller's organisations (the "Share with" choices)."""
    with uow:
        desk = _desk(uow, principal, desk_ref)
        rt = uow.desks.request_type(desk.id, rt_ref)
        if rt is None:
            raise NotFound(f"Request type '{rt_ref}' does not exist on service desk {desk.key}.")
        orgs = uow.accounts.organizations(uow.accounts.organization_ids(principal.id))
        return desk, rt, orgs


def desk_organizations(uow: UnitOfWork, principal: Principal, desk_ref) -> dict[int, str]:
    """Organisations linked to the desk (agents only)."""
    if not principal.is_agent:
        raise Forbidden("Only agents can see which organisations use a service desk.")
    with uow:
        desk = _desk(uow, principal, desk_ref)
        ids = uow.desks.organization_ids(desk.id)
        names = uow.accounts.organizations(ids)
        return {i: names.get(i, str(i)) for i in ids}


def link_organization(uow: UnitOfWork, principal: Principal, desk_ref, org_id, link: bool) -> None:
    """Link an organisation to a desk, or unlink it (agents; linking twice is a no-op)."""
    if not principal.is_agent:
        raise Forbidden("Only agents can link organisations to service desks.")
    try:
        org = int(str(org_id))
    except (TypeError, ValueError):
        raise BadRequest(f"'organizationId' must be an organisation id, not '{org_id}'.") from None
    with uow:
        desk = _desk(uow, principal, desk_ref)
        if link:
            if not uow.accounts.organizations([org]):
                raise NotFound(f"Organisation {org} does not exist.")
            uow.desks.link_organization(desk.id, org)
        else:
            uow.desks.unlink_organization(desk.id, org)
        uow.commit()
