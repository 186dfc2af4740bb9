"""Desk administration (admins only): desks, their settings and agents, request types and fields.

The pages call the endpoints of docs/architecture.md "Desk administration". A 404 from one of
them most likely means the tickets service does not offer it (yet): the page says so plainly.
"""
from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.rules import DESK_KEY_MAX, DESK_KEY_MIN

from .. import confirm
from ..agent.access import admin_required, form_error
from ..i18n import _
from ..portal import api
from ..portal.forms import GENERAL, email_list, errors_from
from ..portal.presenters import paged_values
from . import forms

logger = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def missing(method: str, path: str) -> str:
    """The message for an administration endpoint the tickets service does not answer."""
    return _("This part of desk administration is not available yet: the tickets service does not offer "
             "%(method)s %(path)s. Nothing has been changed.", method=method, path=path)


def _call(method: str, path: str, json=None):
    """Call an admin endpoint; a 404 becomes ``Missing`` so pages can explain instead of failing."""
    try:
        return api.call(method, path, json=json)
    except ApiError as exc:
        if exc.status == 404:
            raise Missing(missing(method, path)) from None
        raise


class Missing(Exception):
    """An administration endpoint answered 404."""


def _refusal(exc: Exception, field_map: dict | None = None) -> tuple[dict[str, str], int]:
    """Form errors and status for a refused change; re-raises ``exc`` when the error page should show."""
    if isinstance(exc, Missing):
        return {GENERAL: str(exc)}, 501
    if isinstance(exc, ApiError) and form_error(exc):
        return errors_from(exc, field_map), 400
    raise exc


# Desks ----------------------------------------------------------------------------------------

def _render_desks(errors: dict | None = None, values: dict | None = None, status: int = 200):
    # The native list includes inactive desks and each desk's settings; the JSM one has neither.
    desks = paged_values(api.get("/api/tickets/desks", limit=100))
    return render_template("admin/desks.html", desks=desks, errors=errors or {}, values=values or {}), status


@bp.get("/desks")
@admin_required
def desks():
    """Every desk, with the form to create one."""
    return _render_desks()


@bp.post("/desks")
@admin_required
def create_desk():
    """Create a desk (key, name, description)."""
    values, problems = forms.new_desk(request.form)
    errors = {}
    if "key" in problems:
        errors["key"] = _("The key is %(min)s to %(max)s capital letters or digits, starting with a letter (e.g. AM).",
                          min=DESK_KEY_MIN, max=DESK_KEY_MAX)
    if "name" in problems:
        errors["name"] = _("Enter the desk's name.")
    if errors:
        return _render_desks(errors, values, 400)
    try:
        desk = _call("POST", "/api/tickets/desks", values) or {}
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc, {"key": "key", "name": "name", "description": "description"})
        return _render_desks(errors, values, status)
    flash(_("The service desk %(name)s has been created.", name=values["name"]), "success")
    return redirect(url_for("admin.desk", desk_id=desk.get("id")) if desk.get("id") else url_for("admin.desks"))


def _agents(desk_id: str) -> tuple[list[dict], str | None]:
    try:
        return paged_values(_call("GET", f"/api/tickets/desks/{desk_id}/agents")), None
    except Missing as exc:
        return [], str(exc)


def _render_desk(desk_id: str, errors: dict | None = None, form: dict | None = None, status: int = 200):
    desk = api.get(f"/api/tickets/desks/{desk_id}")
    agents, agents_missing = _agents(desk_id)
    types = paged_values(api.get(f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype", limit=100))
    settings = {s: desk.get(s) if isinstance(desk.get(s), bool) else None for s in forms.SETTINGS}
    return render_template("admin/desk.html", desk=desk, agents=agents, agents_missing=agents_missing,
                           request_types=types, settings=settings, sharing=desk.get("customerSharing"),
                           errors=errors or {}, form=form or {}), status


@bp.get("/desks/<desk_id>")
@admin_required
def desk(desk_id: str):
    """One desk: its settings, agents and request types."""
    return _render_desk(desk_id)


@bp.post("/desks/<desk_id>")
@admin_required
def edit_desk(desk_id: str):
    """Change the name, description and settings of a desk."""
    changes = forms.desk_changes(request.form)
    if not changes["name"]:
        return _render_desk(desk_id, {"name": _("Enter the desk's name.")}, dict(request.form), 400)
    try:
        _call("PATCH", f"/api/tickets/desks/{desk_id}", changes)
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc, {"name": "name", "description": "description", "emailAddress": "emailAddress",
                                        "emailRequestTypeId": "emailRequestTypeId"})
        return _render_desk(desk_id, errors, dict(request.form), status)
    flash(_("The service desk has been saved."), "success")
    return redirect(url_for("admin.desk", desk_id=desk_id))


@bp.post("/desks/<desk_id>/agents")
@admin_required
def add_agents(desk_id: str):
    """Make people agents of the desk, by email."""
    form = {"emails": request.form.get("emails", "")}
    errors: dict[str, str] = {}
    emails = email_list(request.form, errors)
    if errors:
        return _render_desk(desk_id, errors, form, 400)
    try:
        _call("POST", f"/api/tickets/desks/{desk_id}/agents", {"emails": emails})
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc, {"emails": "emails"})
        return _render_desk(desk_id, errors, form, status)
    flash(_("Agents added: %(list)s.", list=", ".join(emails)), "success")
    return redirect(url_for("admin.desk", desk_id=desk_id))


@bp.post("/desks/<desk_id>/agents/remove")
@admin_required
def remove_agent(desk_id: str):
    """Take one agent off the desk."""
    account_id = request.form.get("account_id", "")
    if not confirm.confirmed():
        return confirm.ask(_("Remove %(name)s from this service desk?", name=request.form.get("name") or account_id),
                           _("Remove"), url_for("admin.desk", desk_id=desk_id))
    try:
        _call("DELETE", f"/api/tickets/desks/{desk_id}/agents", {"accountIds": [account_id]})
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc)
        return _render_desk(desk_id, errors, status=status)
    flash(_("The agent has been removed from this service desk."), "success")
    return redirect(url_for("admin.desk", desk_id=desk_id))


@bp.post("/desks/<desk_id>/requesttypes")
@admin_required
def add_request_type(desk_id: str):
    """Add a request type to the desk."""
    values = {k: (request.form.get(k) or "").strip() for k in ("rt_name", "rt_description", "rt_help")}
    if not values["rt_name"]:
        return _render_desk(desk_id, {"rt_name": _("Enter the request type's name.")}, values, 400)
    body = {"name": values["rt_name"], "description": values["rt_description"], "helpText": values["rt_help"]}
    try:
        created = _call("POST", f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype", body) or {}
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc, {"name": "rt_name", "description": "rt_description", "helpText": "rt_help"})
        return _render_desk(desk_id, errors, values, status)
    flash(_("The request type %(name)s has been added.", name=values["rt_name"]), "success")
    if created.get("id"):
        return redirect(url_for("admin.fields", desk_id=desk_id, type_id=created["id"]))
    return redirect(url_for("admin.desk", desk_id=desk_id))


# Request type fields ---------------------------------------------------------------------------

def _render_fields(desk_id: str, type_id: str, rows: list[dict] | None = None, errors: dict | None = None,
                   status: int = 200):
    base = f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype/{type_id}"
    desk = api.get(f"/rest/servicedeskapi/servicedesk/{desk_id}")
    request_type = api.get(base)
    if rows is None:
        rows = forms.field_rows((api.get(base + "/field") or {}).get("requestTypeFields", []))
    rows = rows + [{"fieldId": "", "name": "", "required": False, "type": "text", "options": ""}
                   for _n in range(forms.BLANK_ROWS)]
    return render_template("admin/fields.html", desk=desk, request_type=request_type, rows=rows,
                           errors=errors or {}), status


@bp.get("/desks/<desk_id>/requesttypes/<type_id>")
@admin_required
def fields(desk_id: str, type_id: str):
    """The fields of a request type, editable (blank rows add fields)."""
    return _render_fields(desk_id, type_id)


def _row_messages(codes: dict[str, str]) -> dict[str, str]:
    text = {
        "id_and_name": _("Give the field both an id and a name."),
        "duplicate": _("Two fields have the same id."),
        "type": _("Choose the kind of field."),
        "options": _("A list needs at least one option, one per line."),
    }
    return {row: text[code] for row, code in codes.items()}


@bp.post("/desks/<desk_id>/requesttypes/<type_id>/settings")
@admin_required
def update_request_type(desk_id: str, type_id: str):
    """Rename the request type or change its description and help text."""
    values = {k: (request.form.get(k) or "").strip() for k in ("rt_name", "rt_description", "rt_help")}
    if not values["rt_name"]:
        return _render_fields(desk_id, type_id, errors={"rt_name": _("Enter the request type's name.")}, status=400)
    body = {"name": values["rt_name"], "description": values["rt_description"], "helpText": values["rt_help"]}
    try:
        _call("PATCH", f"/api/tickets/requesttypes/{type_id}", body)
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc, {"name": "rt_name", "description": "rt_description", "helpText": "rt_help"})
        return _render_fields(desk_id, type_id, errors=errors, status=status)
    flash(_("The request type has been saved."), "success")
    return redirect(url_for("admin.fields", desk_id=desk_id, type_id=type_id))


@bp.post("/desks/<desk_id>/requesttypes/<type_id>/remove")
@admin_required
def remove_request_type(desk_id: str, type_id: str):
    """Remove the request type (the service refuses while requests use it, saying why), once confirmed."""
    if not confirm.confirmed():
        return confirm.ask(_("Remove this request type?"), _("Remove the request type"),
                           url_for("admin.fields", desk_id=desk_id, type_id=type_id),
                           _("Customers can no longer raise it. A request type that requests use cannot be removed."))
    try:
        _call("DELETE", f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype/{type_id}")
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc)
        return _render_fields(desk_id, type_id, errors=errors, status=status)
    flash(_("The request type has been removed."), "success")
    return redirect(url_for("admin.desk", desk_id=desk_id))


@bp.post("/desks/<desk_id>/requesttypes/<type_id>")
@admin_required
def save_fields(desk_id: str, type_id: str):
    """Replace the request type's fields with the rows of the form."""
    count = min(int(request.form.get("rows") or 0), 100) if (request.form.get("rows") or "").isdigit() else 0
    parsed, codes = forms.parse_fields(request.form, count)
    rows = [dict(f, options=forms.format_options(f.get("options"))) for f in parsed]
    if codes:
        return _render_fields(desk_id, type_id, rows, _row_messages(codes), 400)
    try:
        _call("PUT", f"/api/tickets/requesttypes/{type_id}/fields", parsed)
    except (Missing, ApiError) as exc:
        errors, status = _refusal(exc)
        return _render_fields(desk_id, type_id, rows, errors, status)
    flash(_("The fields have been saved."), "success")
    return redirect(url_for("admin.fields", desk_id=desk_id, type_id=type_id))
