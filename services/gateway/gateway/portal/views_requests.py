"""Portal home (desks and the request list) and raising a new request."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.jsm import parse_int
from common.limits import text_limit

from ..i18n import _
from . import api, attachments, directory
from .forms import errors_from
from .presenters import default_share, field_kind, page_window, paged_values
from .session import login_required

bp = Blueprint("requests", __name__)

PAGE_SIZE = 20
STATUS_FILTERS = {"open": "OPEN_REQUESTS", "closed": "CLOSED_REQUESTS", "all": "ALL_REQUESTS"}


def _list_params(tab: str, status: str, desk: str, rtype: str, query: str, start: int) -> dict:
    params: dict = {"requestStatus": STATUS_FILTERS.get(status, "OPEN_REQUESTS"), "start": start,
                    "limit": PAGE_SIZE, "searchTerm": query or None, "expand": "requestType"}
    if tab == "mine":
        params["requestOwnership"] = "OWNED_REQUESTS"
    elif tab == "participating":
        params["requestOwnership"] = "PARTICIPATED_REQUESTS"
    elif tab.startswith("org-"):
        params["requestOwnership"] = "ORGANIZATION"
        params["organizationId"] = tab[4:]
    if desk:
        params["serviceDeskId"] = desk
        if rtype:
            params["requestTypeId"] = rtype
    return params


def type_filter(desk: str, rtype: str) -> tuple[str, str]:
    """(desk, request type) the list is filtered by.

    With a desk chosen, ``type`` is one of its request type ids; across all desks it is
    ``<desk>:<type>`` (the list offers every desk's types), since a request type belongs to one desk
    and JSM filters by type only within a desk. A type of another desk than the chosen one is ignored.
    """
    type_desk, _sep, type_id = rtype.rpartition(":")
    if not type_desk:
        return desk, type_id if desk else ""
    if desk and desk != type_desk:
        return desk, ""
    return type_desk, type_id


@bp.get("/portal")
@bp.get("/portal/")
def portal_root():
    """``/portal`` is the help centre too; keep one address for it."""
    return redirect(url_for("requests.home", **request.args))


@bp.get("/")
@login_required
def home():
    """Help centre: the desks, then the requests the customer can see, filtered and paged."""
    args = request.args
    tab = args.get("tab", "all")
    status = args.get("status", "open") if args.get("status") in STATUS_FILTERS else "open"
    desk = args.get("desk", "")
    rtype = args.get("type", "")
    type_desk, type_id = type_filter(desk, rtype)
    query = args.get("q", "").strip()[:text_limit("searchTerm")]  # as much as the API takes
    start = parse_int(args.get("start"), 0, "start")
    organisations = directory.my_organisations()
    answer = api.get("/rest/servicedeskapi/request", **_list_params(tab, status, type_desk, type_id, query, start))
    items = paged_values(answer)
    window = page_window(start, PAGE_SIZE, len(items), bool((answer or {}).get("isLastPage", True)))
    filters = {"tab": tab, "status": status, "desk": desk, "type": rtype, "q": query}
    tabs = [("all", _("All requests")), ("mine", _("My requests")), ("participating", _("Participating"))]
    tabs += [(f"org-{o.get('id')}", o.get("name", "")) for o in organisations]
    return render_template(
        "portal/home.html", desks=directory.desks(), desk_names=directory.desk_names(), items=items,
        tabs=tabs, filters=filters, window=window,
        request_types=directory.request_types(desk) if desk else [],
        type_groups=[] if desk else [(d, directory.request_types(str(d.get("id")))) for d in directory.desks()],
        page_args=lambda at: urlencode({**{k: v for k, v in filters.items() if v}, "start": at}),
    )


@bp.get("/portal/desks/<desk_id>")
@login_required
def desk(desk_id: str):
    """A desk's portal: pick the kind of request to raise."""
    return render_template("portal/desk.html", desk=directory.desk(desk_id),
                           request_types=directory.request_types(desk_id))


SHARE_FIELD = "organizations"


def type_and_fields(desk_id: str, type_id: str) -> tuple[dict, list[dict], dict | None]:
    """The request type, its form fields, and its "Share with" field (taken out of the list) if any."""
    base = f"/rest/servicedeskapi/servicedesk/{desk_id}/requesttype/{type_id}"
    request_type = api.get(base)
    answer = api.get(base + "/field") or {}
    fields, share_field = [], None
    for field in answer.get("requestTypeFields", []):
        if field.get("fieldId") == SHARE_FIELD:
            share_field = field
        elif field.get("visible", True) is not False:
            field["kind"] = field_kind(field)
            field["maxLength"] = ((field.get("jiraSchema") or {}).get("configuration") or {}).get("maxLength")
            fields.append(field)
    return request_type, fields, share_field


def check_fields(fields: list[dict], values: dict[str, str]) -> dict[str, str]:
    """Errors of the form's fields, in the page's language: required ones and the length limits."""
    errors = {}
    for field in fields:
        name, value = field.get("name") or field["fieldId"], values.get(field["fieldId"], "")
        limit = field.get("maxLength")
        if field.get("required") and not value.strip():
            errors[field["fieldId"]] = _("Fill in “%(field)s”.", field=name)
        elif isinstance(limit, int) and len(value.strip()) > limit:
            errors[field["fieldId"]] = _("“%(field)s” can be at most %(max)s characters long (%(count)s now).",
                                         field=name, max=limit, count=len(value.strip()))
    return errors


def field_error_map(fields: list[dict]) -> dict[str, str]:
    """API error keys (``requestFieldValues.<id>`` or the bare id) -> the form field they belong to."""
    out = {}
    for field in fields:
        out[field["fieldId"]] = out[f"requestFieldValues.{field['fieldId']}"] = field["fieldId"]
    return out


def _share_choices(share_field: dict | None) -> tuple[list[dict], str]:
    """The organisations offered in "Share with" and the preselected one ("" = private)."""
    if share_field is None:
        organisations = directory.my_organisations()
        return organisations, default_share(organisations)
    organisations = [{"id": str(v.get("value")), "name": v.get("label")} for v in share_field.get("validValues", [])]
    defaults = share_field.get("defaultValues") or []
    return organisations, str(defaults[0].get("value")) if defaults else ""


@bp.route("/portal/desks/<desk_id>/create/<type_id>", methods=["GET", "POST"])
@login_required
def create(desk_id: str, type_id: str):
    """The request form of one request type, with the "Share with" choice."""
    desk_dto = directory.desk(desk_id)
    request_type, fields, share_field = type_and_fields(desk_id, type_id)
    organisations, default = _share_choices(share_field)
    values = {f["fieldId"]: request.form.get(f["fieldId"], "") for f in fields}
    related = (request.args.get("related") or "").strip()[:32]
    if request.method == "GET" and related and "description" in values:
        # "Raise a new request" from a closed one: the new request names the old, as JSM suggests.
        values["description"] = _("Follow-up of %(key)s: ", key=related)
    share = request.form.get("share", default) if request.method == "POST" else default
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors.update(check_fields(fields, values))
        allowed = {str(o.get("id")) for o in organisations}
        if share and share not in allowed:
            errors["share"] = _("Choose one of your organisations, or Private.")
        temporary: list[str] = []
        if not errors and (chosen := attachments.chosen_files()):
            # Files first: a refused one is reported before any request exists.
            try:
                temporary = attachments.upload(str(desk_id), chosen)
            except ApiError as exc:
                if exc.status >= 500 and exc.status != 503:
                    raise
                errors[attachments.FIELD] = attachments.refusal(exc)
        if not errors:
            field_values = {k: v.strip() for k, v in values.items() if v.strip()}
            field_values[SHARE_FIELD] = [share] if share else []
            try:
                created = api.post("/rest/servicedeskapi/request", {
                    "serviceDeskId": str(desk_id), "requestTypeId": str(type_id),
                    "requestFieldValues": field_values,
                })
            except ApiError as exc:
                if exc.status >= 500 or exc.status in (403, 404):
                    raise
                errors = errors_from(exc, field_error_map(fields))
            else:
                key = created["issueKey"]
                flash(_("Your request %(key)s has been created.", key=key), "success")
                if temporary:
                    try:
                        attachments.attach(key, temporary)
                    except ApiError as exc:
                        if exc.status >= 500:
                            raise
                        flash(_("The files could not be attached: %(reason)s", reason=exc.message), "error")
                return redirect(url_for("request.view", key=key))
    return render_template("portal/create.html", desk=desk_dto, request_type=request_type, fields=fields,
                           values=values, organisations=organisations, share=share, errors=errors), \
        (400 if errors else 200)
