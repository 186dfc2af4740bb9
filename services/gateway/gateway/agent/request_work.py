"""Working on one request from the console: assignment with a status change, and editing its fields."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from common.errors import ApiError, NotFound

from ..errors import from_upstream
from ..i18n import _
from ..portal import api, directory
from ..portal import session as auth
from ..portal.forms import GENERAL, errors_from
from ..portal.presenters import field_value
from ..portal.views_requests import check_fields, field_error_map, type_and_fields
from .access import agent_required, form_error

KEEP = "keep"


def apply(key: str) -> dict | None:
    """Send the work form (assignee, status change) as one change; form errors, or None when done."""
    assignee = request.form.get("assignee", KEEP)
    transition = request.form.get("transition", "")
    body: dict = {"issueKeys": [key]}
    if assignee != KEEP:
        body["assignee"] = (auth.current_account() or {}).get("id") if assignee == "me" else (assignee or None)
    if transition:
        body["transition"] = transition
    if len(body) == 1:
        return {"transition": _("Choose a new assignee or a status change.")}
    try:
        result = ((api.post("/api/tickets/bulk", body) or {}).get("results") or [{}])[0]
    except ApiError as exc:
        if not form_error(exc):
            raise
        return {GENERAL: exc.message}
    if result.get("status") != 200:
        if result.get("status") == 404:
            raise from_upstream(NotFound(result.get("errorMessage") or ""))
        return {GENERAL: result.get("errorMessage") or _("The request could not be changed.")}
    flash(_("The request has been updated."), "success")
    return None


def _current(req: dict, fields: list[dict]) -> dict[str, str]:
    values = {}
    for f in fields:
        value = field_value(req, f["fieldId"], "")
        if isinstance(value, dict):
            value = value.get("id") or value.get("value") or ""
        values[f["fieldId"]] = "" if value is None else str(value)
    return values


@agent_required
def edit(key: str):
    """Edit summary, description and the request type's other fields."""
    req = api.get(f"/rest/servicedeskapi/request/{key}")
    desk_id, type_id = str(req.get("serviceDeskId", "")), str(req.get("requestTypeId", ""))
    request_type, fields, _share = type_and_fields(desk_id, type_id)
    values = _current(req, fields)
    errors: dict[str, str] = {}
    if request.method == "POST":
        posted = {f["fieldId"]: request.form.get(f["fieldId"], "") for f in fields}
        errors = check_fields(fields, posted)
        if not errors:
            changed = {k: v.strip() for k, v in posted.items() if v.strip() != values.get(k, "").strip()}
            body = {"summary": changed.pop("summary", None), "description": changed.pop("description", None),
                    "requestFieldValues": changed}
            if not changed and body["summary"] is None and body["description"] is None:
                flash(_("Nothing was changed."), "success")
                return redirect(url_for("agent.ticket", key=key))
            try:
                api.call("PATCH", f"/api/tickets/requests/{key}", json=body)
            except ApiError as exc:
                if not form_error(exc):
                    raise
                errors = errors_from(exc, {**field_error_map(fields), "summary": "summary", "description": "description"})
            else:
                flash(_("The request has been updated."), "success")
                return redirect(url_for("agent.ticket", key=key))
        values = posted
    return render_template("agent/edit.html", req=req, request_type=request_type, fields=fields, values=values,
                           errors=errors, desk_name=directory.desk_names().get(desk_id, "")), (400 if errors else 200)
