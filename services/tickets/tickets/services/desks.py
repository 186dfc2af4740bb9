"""Use cases on service desks and request types (read side, plus organisation links)."""
from __future__ import annotations

from common.auth import AGENT, Principal
from common.errors import BadRequest, Forbidden, NotFound

from .. import desk_events
from ..domain.catalog import Desk, RequestType
from ..domain.ids import as_id
from ..domain.visibility import Viewer, can_use_desk
from ..store.people import touched_organizations
from ..store.uow import UnitOfWork
from .common import viewer_for
from .lag import UnknownOrganisation


def may_link(uow: UnitOfWork, viewer: Viewer, org_id: int) -> bool:
    """Whether the agent created the organisation or one of their desks touches it already."""
    if uow.accounts.organization_creator(org_id) == viewer.account_id:
        return True
    return any(org_id in set(uow.session.execute(touched_organizations(desk_id)).scalars())
               for desk_id in viewer.desk_ids)


def visible_desk(uow: UnitOfWork, viewer: Viewer, ref) -> Desk:
    """The desk if the caller may use it; a desk they may not see is the same 404 as a missing one."""
    desk = uow.desks.get(ref)
    if desk is None or not can_use_desk(viewer, desk, uow.desks.is_customer(desk.id, viewer.account_id)):
        raise NotFound(f"Service desk '{ref}' does not exist.")
    return desk


def agent_desk(uow: UnitOfWork, principal: Principal, ref, what: str) -> Desk:
    """The desk if the caller is one of its agents (or an admin); 403 for other agents, 404 if unseen."""
    if not principal.is_agent:
        raise Forbidden(f"Only agents of the service desk can {what}.")
    viewer = viewer_for(uow, principal)
    desk = visible_desk(uow, viewer, ref)
    if not viewer.is_agent_for(desk.id):
        raise Forbidden(f"Only agents of service desk {desk.key} can {what}.")
    return desk


def list_desks(uow: UnitOfWork, principal: Principal, start: int, limit: int) -> tuple[list[Desk], bool]:
    """Desks the caller works on or may use: admins all, agents their own, customers the open ones."""
    with uow:
        found = uow.desks.list(start, limit + 1, everything=principal.is_admin, account_id=principal.id,
                               as_agent=principal.role == AGENT)
        return found[:limit], len(found) <= limit


def get_desk(uow: UnitOfWork, principal: Principal, ref) -> Desk:
    with uow:
        return visible_desk(uow, viewer_for(uow, principal), ref)


def request_types(uow: UnitOfWork, principal: Principal, desk_ref, search: str | None = None
                  ) -> tuple[Desk, list[RequestType], dict[int, str], bool]:
    """The desk's request types (optionally filtered by a text in name or description), the caller's
    organisations (the "Share with" choices) and whether they are the desk's agent."""
    with uow:
        viewer = viewer_for(uow, principal)
        desk = visible_desk(uow, viewer, desk_ref)
        found = uow.desks.request_types(desk.id)
        if search:
            needle = search.lower()
            found = [rt for rt in found if needle in rt.name.lower() or needle in rt.description.lower()]
        return desk, found, uow.accounts.organizations(viewer.organization_ids), viewer.is_agent_for(desk.id)


def request_type(uow: UnitOfWork, principal: Principal, desk_ref, rt_ref
                 ) -> tuple[Desk, RequestType, dict[int, str], bool]:
    """One request type, the caller's organisations (the "Share with" choices), and whether they are its agent."""
    with uow:
        viewer = viewer_for(uow, principal)
        desk = visible_desk(uow, viewer, desk_ref)
        rt = uow.desks.request_type(desk.id, rt_ref)
        if rt is None:
            raise NotFound(f"Request type '{rt_ref}' does not exist on service desk {desk.key}.")
        orgs = uow.accounts.organizations(viewer.organization_ids)
        return desk, rt, orgs, viewer.is_agent_for(desk.id)


def desk_organizations(uow: UnitOfWork, principal: Principal, desk_ref) -> dict[int, str]:
    """Organisations linked to the desk (its agents only)."""
    with uow:
        desk = agent_desk(uow, principal, desk_ref, "see which organisations use it")
        ids = uow.desks.organization_ids(desk.id)
        names = uow.accounts.organizations(ids)
        return {i: names.get(i, str(i)) for i in ids}


def link_organization(uow: UnitOfWork, principal: Principal, desk_ref, org_id, link: bool) -> None:
    """Link an organisation to a desk, or unlink it (its agents; linking twice is a no-op)."""
    org = as_id(org_id)
    if org is None:
        raise BadRequest(f"'organizationId' must be an organisation id, not '{org_id}'.")
    with uow:
        desk = agent_desk(uow, principal, desk_ref, "link organisations to it")
        viewer = viewer_for(uow, principal)
        if link:
            if not uow.accounts.organizations([org]):
                raise UnknownOrganisation(f"Organisation {org} does not exist.").naming(organisations=[org])
            # Linking brings the organisation's members into the desk's reach: an agent links only
            # organisations their desks already touch or they created themselves.
            if not viewer.is_admin and not may_link(uow, viewer, org):
                raise NotFound(f"Organisation {org} does not exist.")
            uow.desks.link_organization(desk.id, org)
        else:
            uow.desks.unlink_organization(desk.id, org)
        uow.publish([desk_events.organizations_changed(uow.session, desk)])
        uow.commit()
