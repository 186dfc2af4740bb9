"""Agent console home (routes on the ``agent`` blueprint): a desk's queues with counts, search, filters, sortable columns, paging, and bulk
assignment and transition of the selected requests."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for

from common.errors import ApiError
from common.limits import text_limit
from common.jsm import parse_int

from .. import confirm
from ..i18n import _
from ..portal import api, directory
from ..portal import session as auth
from ..portal.presenters import page_window, paged_values
from .access import agent_required

logger = logging.getLogger(__name__)

QUEUES = ("open", "unassigned", "mine", "waiting", "all")
STATUSES = ("Waiting for support", "In progress", "Waiting for customer", "Resolved", "Closed", "Canceled")
SORTABLE = ("key", "summary", "status", "created", "updated")
FILTERS = ("q", "status", "type", "assignee", "org")
SEARCH_LENGTH = text_limit("query")  # the tickets queue's ``query`` takes as much (the page's maxlength too)
PAGE_SIZE = 25
# Transitions offered for selected requests (ids of the tickets service's one table); each request
# refuses the ones its status does not allow, and the page says which.
BULK_TRANSITIONS = (("1", "Start progress"), ("2", "Wait for customer"), ("3", "Back to support"),
                    ("4", "Resolve"), ("7", "Cancel request"))


def queue_labels() -> dict[str, str]:
    """Queue id -> translated label."""
    return {
        "open": _("All open"), "unassigned": _("Unassigned"), "mine": _("Assigned to me"),
        "waiting": _("Waiting for customer"), "all": _("All requests"),
    }


def _optional(load, what: str) -> list[dict] | None:
    try:
        return load()
    except ApiError as exc:
        if exc.status >= 500:
            raise
        logger.info("%s not listed: %s", what, exc)
        return None


def desk_agents(desk_id: str) -> list[dict] | None:
    """The agents of a desk (UserDTO), or None when the tickets service cannot list them."""
    return _optional(lambda: paged_values(api.get(f"/api/tickets/desks/{desk_id}/agents", limit=100)),
                     f"agents of desk {desk_id}")


def _state() -> dict:
    """The page's queue, filters, sort and start from the query string."""
    args = request.args
    desks = directory.worked_desks()
    desk = args.get("desk") or (str(desks[0]["id"]) if desks else "")
    queue = args.get("queue") if args.get("queue") in QUEUES else "open"
    sort = args.get("sort", "")
    sort = sort if sort.lstrip("-") in SORTABLE else ""
    filters = {name: args.get(name, "").strip()[:SEARCH_LENGTH] for name in FILTERS}
    if filters["status"] not in STATUSES:
        filters["status"] = ""
    return {"desks": desks, "desk": desk, "queue": queue, "sort": sort, "filters": filters,
            "start": parse_int(args.get("start"), 0, "start")}


def _params(state: dict) -> dict:
    f = state["filters"]
    return {"serviceDeskId": state["desk"], "queue": state["queue"], "query": f["q"] or None,
            "status": f["status"] or None, "requestTypeId": f["type"] or None, "assigneeId": f["assignee"] or None,
            "organizationId": f["org"] or None, "sort": state["sort"] or None}


def page_address(state: dict, **changes) -> str:
    """The query string of this page with some values changed (empty values left out)."""
    values = {"desk": state["desk"], "queue": state["queue"], **state["filters"], "sort": state["sort"],
              "start": state["start"] or "", **changes}
    return urlencode({k: v for k, v in values.items() if v not in ("", None, 0)})


def sort_link(state: dict, column: str) -> tuple[str, str]:
    """(address, aria-sort) of a column header: a first click sorts ascending, a second descending."""
    current = state["sort"]
    if current == column:
        return page_address(state, sort=f"-{column}", start=""), "ascending"
    if current == f"-{column}" or (not current and column == "updated"):
        return page_address(state, sort=column, start=""), "descending"
    return page_address(state, sort=column, start=""), "none"


def queue_counts(desk: str) -> dict[str, int]:
    """Queue id -> how many requests it holds ({} when the tickets service will not say)."""
    answer = _optional(lambda: api.get("/api/tickets/queues/counts", serviceDeskId=desk), f"counts of desk {desk}")
    return (answer or {}).get("counts") or {}


@agent_required
def home():
    """A desk's queue, filtered, sorted and paged, with the bulk form around its rows."""
    state = _state()
    desk = state["desk"]
    items, total, window = [], None, page_window(0, PAGE_SIZE, 0, True)
    agents, types, organisations = [], [], []
    if desk:
        answer = api.get("/api/tickets/queues", **_params(state), start=state["start"], limit=PAGE_SIZE) or {}
        items = paged_values(answer)
        total = answer.get("total")
        window = page_window(state["start"], PAGE_SIZE, len(items), bool(answer.get("isLastPage", True)))
        agents = desk_agents(desk) or []
        types = directory.request_types(desk)
        organisations = _optional(lambda: paged_values(api.get(
            f"/rest/servicedeskapi/servicedesk/{desk}/organization", limit=100)), "organisations") or []
    return render_template(
        "agent/home.html", state=state, desks=state["desks"], desk=desk, queue=state["queue"],
        queues=queue_labels(), items=items, total=total, window=window,
        counts=queue_counts(desk) if desk else {}, agents=agents, request_types=types,
        organisations=organisations, statuses=STATUSES, bulk_transitions=BULK_TRANSITIONS,
        my_id=(auth.current_account() or {}).get("id"),
        page_args=lambda at: page_address(state, start=at), page_address=page_address, sort_link=sort_link)


@agent_required
def bulk():
    """Assign and/or move the selected requests; say which changed and why the others did not."""
    keys = [k for k in request.form.getlist("keys") if k][:100]
    back = request.form.get("back", "")
    back = url_for("agent.home") + ("?" + back if back and not back.startswith(("/", "\\")) else "")
    assignee = request.form.get("assignee", "keep")
    transition = request.form.get("transition", "")
    if not keys:
        flash(_("Select at least one request."), "error")
        return redirect(back)
    body: dict = {"issueKeys": keys}
    if assignee != "keep":
        body["assignee"] = (auth.current_account() or {}).get("id") if assignee == "me" else (assignee or None)
    if transition:
        body["transition"] = transition
    if len(body) == 1:
        flash(_("Choose an assignee or a status change for the selected requests."), "error")
        return redirect(back)
    question = confirm.ask_to_end(transition, keys, back)
    if question is not None:
        return question
    answer = api.post("/api/tickets/bulk", body) or {}
    results = answer.get("results") or []
    changed = [r["issueKey"] for r in results if r.get("status") == 200]
    if changed:
        flash(_("Changed: %(list)s.", list=", ".join(changed)), "success")
    for r in results:
        if r.get("status") != 200:
            flash(_("%(key)s was not changed: %(reason)s", key=r.get("issueKey"), reason=r.get("errorMessage", "")),
                  "error")
    return redirect(back)
