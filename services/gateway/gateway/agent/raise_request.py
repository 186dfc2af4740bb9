"""Raising a request on behalf of a customer (JSM's ``raiseOnBehalfOf``), from the console."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from common.emails import is_email
from common.errors import ApiError

from ..i18n import _
from ..portal import api, directory
from ..portal.forms import errors_from
from ..portal.views_requests import check_fields, field_error_map, type_and_fields
from .access import agent_required

CUSTOMER = "customer"


@agent_required
def choose():
    """Pick the desk and the request type."""
    desks = directory.desks()
    desk = request.args.get("desk") or (str(desks[0]["id"]) if desks else "")
    return render_template("agent/raise_choose.html", desks=desks, desk=desk,
                           request_types=directory.request_types(desk) if desk else [])


@agent_required
def form(desk_id: str, type_id: str):
    """The request type's form with the customer it is raised for."""
    desk = directory.desk(desk_id)
    request_type, fields, _share = type_and_fields(desk_id, type_id)
    values = {f["fieldId"]: request.form.get(f["fieldId"], "") for f in fields}
    customer = (request.form.get(CUSTOMER) or request.args.get(CUSTOMER) or "").strip()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not customer:
            errors[CUSTOMER] = _("Enter the customer's email address.")
        elif not is_email(customer):
            errors[CUSTOMER] = _("“%(value)s” is not an email address.", value=customer)
        errors.update(check_fields(fields, values))
        if not errors:
            try:
                created = api.post("/rest/servicedeskapi/request", {
                    "serviceDeskId": str(desk_id), "requestTypeId": str(type_id), "raiseOnBehalfOf": customer,
                    "requestFieldValues": {k: v.strip() for k, v in values.items() if v.strip()},
                })
            except ApiError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                errors = errors_from(exc, {**field_error_map(fields), "raiseOnBehalfOf": CUSTOMER})
                if "raiseOnBehalfOf" in (exc.errors or {}):
                    errors[CUSTOMER] = _("There is no customer with the address “%(value)s”. Invite them first.",
                                         value=customer)
            else:
                key = created["issueKey"]
                flash(_("Request %(key)s has been raised for %(customer)s.", key=key, customer=customer), "success")
                return redirect(url_for("agent.ticket", key=key))
    return render_template("agent/raise.html", desk=desk, request_type=request_type, fields=fields, values=values,
                           customer=customer, errors=errors), (400 if errors else 200)
