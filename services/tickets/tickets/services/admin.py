"""Admin use cases: desks and their settings, request types and fields, a desk's agents and customers."""
from __future__ import annotations

import logging

from common.auth import AGENT, Principal
from common.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed

from .. import desk_events
from ..demo import add_desk
from ..domain import admin as rules
from ..domain.catalog import Account, Desk, RequestType
from ..domain.defaults import SUMMARY, description_field
from ..domain.ids import as_id
from ..store.tables import desk_agents, desk_customers
from ..store.uow import UnitOfWork
from .common import viewer_for
from .desks import agent_desk, visible_desk
from .lag import UnknownPeople

logger = logging.getLogger(__name__)


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("Only admins can change service desks and request types.")


def _invalid(what: str, errors: dict) -> ValidationFailed:
    named = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
    return ValidationFailed(f"The {what} is not valid: {named}", errors=errors)


def _desk(uow: UnitOfWork, ref) -> Desk:
    desk = uow.desks.get(ref)
    if desk is None:
        raise NotFound(f"Service desk '{ref}' does not exist.")
    return desk


def create_desk(uow: UnitOfWork, principal: Principal, values) -> Desk:
    """A new desk with the default request types (Incident, Feature request, Question)."""
    _require_admin(principal)
    clean, errors = rules.new_desk(values)
    if errors:
        raise _invalid("service desk", errors)
    with uow:
        if uow.desks.get(clean["key"]) is not None:
            raise _invalid("service desk", {"key": [f"The key {clean['key']} is already used by another desk."]})
        desk = add_desk(uow.desks, clean["key"], clean["name"], clean["description"])
        uow.commit()
    logger.info("desk %s created by %s", desk.key, principal.id)
    return desk


def update_desk(uow: UnitOfWork, principal: Principal, ref, values) -> Desk:
    """Change name, description, active, restricted or allowParticipantInvites."""
    _require_admin(principal)
    clean, errors = rules.desk_changes(values)
    if errors:
        raise _invalid("change", errors)
    with uow:
        desk = _desk(uow, ref)
        rt_id = clean.get("emailRequestTypeId")
        if rt_id is not None and uow.desks.request_type(desk.id, rt_id) is None:
            raise _invalid("change", {"emailRequestTypeId": [f"Desk {desk.key} has no request type {rt_id}."]})
        address = clean.get("emailAddress")
        other = uow.desks.by_email([address]) if address else None
        if other is not None and other.id != desk.id:
            raise _invalid("change", {"emailAddress": [f"{address} is already the address of desk {other.key}."]})
        desk = uow.desks.update(desk.id, clean)
        uow.commit()
        return desk


def get_desk(uow: UnitOfWork, principal: Principal, ref) -> tuple[Desk, bool]:
    """A desk, and whether the caller sees its settings (admins, the desk's agents); anyone else who may
    use it gets its public face (name, description), as the portal shows it."""
    with uow:
        if principal.is_admin:
            return _desk(uow, ref), True
        viewer = viewer_for(uow, principal)
        desk = visible_desk(uow, viewer, ref)
        return desk, viewer.is_agent_for(desk.id)


def list_desks(uow: UnitOfWork, principal: Principal) -> list[Desk]:
    """Desks with their settings: every desk, active or not, for admins; an agent's own desks (the
    console's queues); customers none."""
    if principal.role == AGENT:
        with uow:
            return uow.desks.list_worked_on(principal.id)
    _require_admin(principal)
    with uow:
        return uow.desks.list(0, 10_000, everything=True)


# -- agents and customers of a desk ----------------------------------------------------------
TABLES = {"agents": desk_agents, "customers": desk_customers}


def members(uow: UnitOfWork, principal: Principal, ref, kind: str, start: int, limit: int
            ) -> tuple[list[Account], bool]:
    """A page of the desk's agents or customers (its agents and admins may look)."""
    with uow:
        desk = agent_desk(uow, principal, ref, f"see its {kind}")
        ids = uow.desks.members(TABLES[kind], desk.id, start, limit + 1)
        found = uow.accounts.many(ids)
        return [found[i] for i in ids[:limit] if i in found], len(ids) <= limit


def change_members(uow: UnitOfWork, principal: Principal, ref, kind: str, account_ids: list[str],
                   emails: list[str], add: bool) -> None:
    """Add or remove agents (admins) or customers (agents of the desk, admins); unknown ones are a 400.

    Agents added by an email the replica does not know yet wait for the account to arrive.
    """
    if kind == "agents":
        _require_admin(principal)
    with uow:
        desk = _desk(uow, ref) if kind == "agents" else agent_desk(uow, principal, ref, "change its customers")
        errors: dict[str, list[str]] = {}
        ids, waiting, missing = set(), [], []
        for account_id in account_ids:
            account = uow.accounts.get(str(account_id))
            if account is None:
                errors.setdefault("accountIds", []).append(f"No account '{account_id}'.")
                missing.append(str(account_id))
            else:
                ids.add(account.id)
        field = "emails" if kind == "agents" else "usernames"
        for email in emails:
            account = uow.accounts.by_email(str(email))
            if account is not None:
                ids.add(account.id)
            elif kind == "agents" and "@" in str(email):
                waiting.append(str(email))
            else:
                errors.setdefault(field, []).append(f"No account with email '{email}'.")
                missing.append(str(email))
        if add and kind == "agents":
            for account in uow.accounts.many(ids).values():
                if not account.is_agent:
                    errors.setdefault("accountIds", []).append(f"'{account.email}' is a customer, not an agent.")
        if errors and add:
            if all(message.startswith("No account") for messages in errors.values() for message in messages):
                named = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
                raise UnknownPeople(f"The list of people is not valid: {named}", errors=errors).naming(accounts=missing)
            raise _invalid("list of people", errors)
        if add:
            uow.desks.add_members(TABLES[kind], desk.id, ids)
            if waiting:
                uow.desks.add_pending_agents(desk.id, waiting)
        else:
            uow.desks.remove_members(TABLES[kind], desk.id, ids)
            uow.desks.remove_pending_agents(desk.id, waiting)
        # Identity scopes what agents may reach by what their desks touch.
        uow.publish([desk_events.agents_changed(uow.session, desk) if kind == "agents" else
                     desk_events.customers_changed(desk, ids if add else (), () if add else ids)])
        uow.commit()


# -- request types ---------------------------------------------------------------------------
def add_request_type(uow: UnitOfWork, principal: Principal, desk_ref, values) -> RequestType:
    """A new request type with a summary and a description field (change them with set_fields)."""
    _require_admin(principal)
    clean, errors = rules.new_request_type(values)
    if errors:
        raise _invalid("request type", errors)
    with uow:
        desk = _desk(uow, desk_ref)
        if uow.desks.request_type(desk.id, clean["name"]) is not None:
            raise _invalid("request type", {"name": [f"Desk {desk.key} already has a request type '{clean['name']}'."]})
        position = len(uow.desks.request_types(desk.id))
        rt_id = uow.desks.add_request_type(desk.id, clean["name"], clean["issue_type"], clean["description"],
                                           clean["help_text"], (SUMMARY, description_field("Details")), position)
        rt = uow.desks.request_type_by_id(rt_id)
        uow.commit()
        return rt


def _request_type(uow: UnitOfWork, rt_ref, desk_ref=None) -> RequestType:
    rt = uow.desks.request_type_by_id(ident) if (ident := as_id(rt_ref)) is not None else None
    if rt is None or (desk_ref is not None and rt.desk_id != _desk(uow, desk_ref).id):
        raise NotFound(f"Request type '{rt_ref}' does not exist" + (f" on service desk '{desk_ref}'." if desk_ref
                                                                      else "."))
    return rt


def update_request_type(uow: UnitOfWork, principal: Principal, rt_ref, values) -> RequestType:
    """Rename a request type or change its description and help text (admins)."""
    _require_admin(principal)
    clean, errors = rules.request_type_changes(values)
    if errors:
        raise _invalid("request type", errors)
    with uow:
        rt = _request_type(uow, rt_ref)
        same_name = uow.desks.request_type(rt.desk_id, clean["name"]) if "name" in clean else None
        if same_name is not None and same_name.id != rt.id:
            raise _invalid("request type", {"name": [f"The desk already has a request type '{clean['name']}'."]})
        uow.desks.update_request_type(rt.id, clean)
        rt = uow.desks.request_type_by_id(rt.id)
        uow.commit()
        return rt


def remove_request_type(uow: UnitOfWork, principal: Principal, desk_ref, rt_ref) -> None:
    """Remove a request type no request uses and no email channel raises (admins); else a 400 saying why
    (Atlassian's DELETE documents no 409)."""
    _require_admin(principal)
    with uow:
        rt = _request_type(uow, rt_ref, desk_ref)
        used = uow.desks.requests_of_type(rt.id)
        if used:
            raise BadRequest(f"Request type '{rt.name}' is used by {used} request(s) and cannot be removed; "
                           "rename it or change its description instead.")
        desk = uow.desks.get(rt.desk_id)
        if desk.email_request_type_id == rt.id:
            raise BadRequest(f"Request type '{rt.name}' is the one desk {desk.key} raises emails as; choose "
                           "another in the desk's email settings first.")
        if len(uow.desks.request_types(desk.id)) == 1:
            raise BadRequest(f"Request type '{rt.name}' is the last one of desk {desk.key}; a desk needs one.")
        uow.desks.delete_request_type(rt.id)
        uow.commit()


def set_fields(uow: UnitOfWork, principal: Principal, rt_ref, values) -> RequestType:
    """Replace a request type's ordered fields; a field that requests hold values for stays (409)."""
    _require_admin(principal)
    specs, errors = rules.field_specs(values)
    if errors:
        raise _invalid("field list", errors)
    with uow:
        rt = _request_type(uow, rt_ref)
        dropped = {f.field_id for f in rt.fields} - {s.field_id for s in specs}
        in_use = uow.desks.fields_in_use(rt.id, dropped)
        if in_use:
            named = ", ".join(f"'{rt.label(f)}' ({n} request(s))" for f, n in sorted(in_use.items()))
            raise Conflict(f"These fields hold values of existing requests and cannot be removed: {named}. "
                           "Make them optional, or rename them, instead.",
                           errors={f: [f"Used by {n} request(s)."] for f, n in in_use.items()})
        uow.desks.replace_fields(rt.id, specs)
        rt = uow.desks.request_type_by_id(rt.id)
        uow.commit()
        return rt


