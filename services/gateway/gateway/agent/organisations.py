"""Console pages for organisations: list, create, rename, delete, members, and the desks they use."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError

from .. import confirm
from ..i18n import _
from ..portal import api, directory
from ..portal.forms import GENERAL, email_list, errors_from
from ..portal.presenters import paged_values
from .access import agent_required, form_error

logger = logging.getLogger(__name__)

bp = Blueprint("organisations", __name__, url_prefix="/agent/organisations")

BASE = "/api/identity/organisations"


def _render_list(errors: dict | None = None, name: str = "", status: int = 200):
    organisations = paged_values(api.get(BASE, limit=100))
    return render_template("agent/organisations.html", organisations=organisations, errors=errors or {},
                           name=name), status


@bp.get("")
@agent_required
def index():
    """Every organisation, with the form to create one."""
    return _render_list()


@bp.post("")
@agent_required
def create():
    """Create an organisation."""
    name = (request.form.get("name") or "").strip()
    if not name:
        return _render_list({"name": _("Enter the organisation's name.")}, status=400)
    try:
        org = api.post(BASE, {"name": name})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_list(errors_from(exc, {"name": "name"}), name, status=400)
    flash(_("The organisation %(name)s has been created.", name=name), "success")
    return redirect(url_for("organisations.show", org_id=(org or {}).get("id")))


def linked_desks(org_id: str) -> list[dict]:
    """The desks the agent can see, each with ``linked`` telling whether the organisation uses it."""
    result = []
    for desk in directory.desks():
        desk_id = str(desk.get("id"))
        try:
            orgs = paged_values(api.get(f"/rest/servicedeskapi/servicedesk/{desk_id}/organization", limit=100))
        except ApiError as exc:
            if exc.status >= 500:
                raise
            logger.info("organisations of desk %s not listed: %s", desk_id, exc)
            continue
        result.append({"id": desk_id, "name": desk.get("projectName") or desk.get("name"),
                       "linked": any(str(o.get("id")) == str(org_id) for o in orgs)})
    return result


def _render_org(org_id: str, errors: dict | None = None, emails: str = "", status: int = 200):
    org = api.get(f"/rest/servicedeskapi/organization/{org_id}")
    members = paged_values(api.get(f"{BASE}/{org_id}/members", limit=100))
    return render_template("agent/organisation.html", org=org, members=members, desks=linked_desks(org_id),
                           errors=errors or {}, emails=emails), status


@bp.get("/<org_id>")
@agent_required
def show(org_id: str):
    """One organisation: rename, members, desks, delete."""
    return _render_org(org_id)


@bp.post("/<org_id>/rename")
@agent_required
def rename(org_id: str):
    """Give the organisation a new name."""
    name = (request.form.get("name") or "").strip()
    if not name:
        return _render_org(org_id, {"name": _("Enter the organisation's name.")}, status=400)
    try:
        api.call("PATCH", f"{BASE}/{org_id}", json={"name": name})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_org(org_id, errors_from(exc, {"name": "name"}), status=400)
    flash(_("The organisation is now called %(name)s.", name=name), "success")
    return redirect(url_for("organisations.show", org_id=org_id))


@bp.post("/<org_id>/delete")
@agent_required
def delete(org_id: str):
    """Delete the organisation (its requests stay, shared with nobody through it), once confirmed."""
    if not confirm.confirmed():
        return confirm.ask(_("Delete this organisation?"), _("Delete the organisation"),
                           url_for("organisations.show", org_id=org_id),
                           _("Its requests stay, but its members no longer see them through it."))
    api.call("DELETE", f"{BASE}/{org_id}")
    flash(_("The organisation has been deleted."), "success")
    return redirect(url_for("organisations.index"))


@bp.post("/<org_id>/members")
@agent_required
def add_members(org_id: str):
    """Add customers to the organisation by email."""
    raw = request.form.get("emails", "")
    errors: dict[str, str] = {}
    emails = email_list(request.form, errors)
    if errors:
        return _render_org(org_id, errors, raw, status=400)
    try:
        api.post(f"{BASE}/{org_id}/members", {"emails": emails})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_org(org_id, errors_from(exc, {"emails": "emails"}), raw, status=400)
    flash(_("Added to the organisation: %(list)s.", list=", ".join(emails)), "success")
    return redirect(url_for("organisations.show", org_id=org_id))


@bp.post("/<org_id>/members/remove")
@agent_required
def remove_member(org_id: str):
    """Take one person out of the organisation."""
    account_id = request.form.get("account_id", "")
    if not confirm.confirmed():
        return confirm.ask(_("Remove %(name)s from the organisation?", name=request.form.get("name") or account_id),
                           _("Remove"), url_for("organisations.show", org_id=org_id),
                           _("They stop seeing the requests shared with the organisation."))
    try:
        api.call("DELETE", f"{BASE}/{org_id}/members", json={"accountIds": [account_id]})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_org(org_id, {GENERAL: exc.message}, status=400)
    flash(_("The person has been removed from the organisation."), "success")
    return redirect(url_for("organisations.show", org_id=org_id))


@bp.post("/<org_id>/desks")
@agent_required
def link_desk(org_id: str):
    """Link the organisation to a desk (its members may use it) or unlink it."""
    desk_id = request.form.get("desk", "")
    link = request.form.get("action") != "unlink"
    if not desk_id.isdigit() or not org_id.isdigit():
        return _render_org(org_id, {GENERAL: _("Choose a service desk.")}, status=400)
    if not link and not confirm.confirmed():
        return confirm.ask(_("Unlink %(name)s from this organisation?", name=request.form.get("name") or desk_id),
                           _("Unlink"), url_for("organisations.show", org_id=org_id),
                           _("Its members can no longer use that service desk through the organisation."))
    try:
        api.call("POST" if link else "DELETE", f"/rest/servicedeskapi/servicedesk/{desk_id}/organization",
                 json={"organizationId": int(org_id)})
    except ApiError as exc:
        if not form_error(exc):
            raise
        return _render_org(org_id, {GENERAL: exc.message}, status=400)
    flash(_("The organisation now uses this service desk.") if link
          else _("The organisation no longer uses this service desk."), "success")
    return redirect(url_for("organisations.show", org_id=org_id))
