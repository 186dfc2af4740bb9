"""JSM representations (shapes of Atlassian's OpenAPI document) of our read models."""
from __future__ import annotations

import json
from functools import lru_cache
from json.encoder import encode_basestring_ascii

from common.jsm import _date_dto, base_url, date_dto, user_dto  # noqa: F401  (date_dto re-exported)
from common.markdown import to_html

from ..domain.catalog import Account, Desk, RequestType
from ..domain.fields import SELECT, TEXTAREA
from ..domain.model import Comment
from ..domain.status import Status, Transition
from ..services.common import RequestView

API = "/rest/servicedeskapi"


def user(account_id: str, accounts: dict[str, Account], base: str | None = None) -> dict:
    """UserDTO of an account; a replica miss still names the id."""
    account = accounts.get(account_id)
    if account is None:
        return user_dto(account_id, "", None, active=False, base=base)
    return user_dto(account.id, account.email, account.display_name, active=account.active, base=base)


class Shared:
    """What the DTOs of one answer have in common, built once for it: the base URL, each person's UserDTO,
    each request type's field labels, each status. A page of 50 requests names the same few people,
    request types and moments again and again, and building them each time cost more than the page's
    statements; the answer is encoded as soon as it is built, so it may hold one dict in several places."""

    __slots__ = ("base", "_users", "_labels", "_statuses", "_users_json", "_statuses_json", "_dates_json", "qbase",
                 "_fields_json", "empty_head")

    def __init__(self, base: str | None = None):
        self.base = base or base_url()
        # The base URL as it reads inside a JSON string (every link of the answer starts with it).
        self.qbase = encode_basestring_ascii(self.base)[1:-1]
        # An empty expansion page up to the request's key (``_page_json`` of no values).
        self.empty_head = (f'{{"_expands":[],"size":0,"start":0,"limit":1,"isLastPage":true,'
                           f'"_links":{{"base":"{self.qbase}","context":"","self":"{self.qbase}{API}/request/')
        self._fields_json: dict[int, tuple] = {}
        self._users: dict[str, tuple] = {}
        self._labels: dict[int, tuple] = {}
        self._statuses: dict[tuple, dict] = {}
        self._users_json: dict[str, tuple] = {}
        self._statuses_json: dict[tuple, str] = {}
        self._dates_json: dict = {}

    def user_json(self, account_id: str, accounts: dict[str, Account], encode) -> str:
        """``user`` written as JSON by ``encode``, once per person and answer (member by member: a queue
        names dozens of people once each)."""
        account = accounts.get(account_id)
        known = self._users_json.get(account_id)
        if known is not None and known[0] is account:
            return known[1]
        out = _user_json(self.base, account_id, account)
        self._users_json[account_id] = (account, out)
        return out

    def fields_json(self, view: RequestView, encode) -> str:
        """``_field_values`` written as JSON: the labels of each request type's summary and description
        written once per answer, their values escaped, any other field through ``encode``."""
        rt, t = view.request_type, view.ticket
        known = self._fields_json.get(rt.id)
        if known is None or known[0] is not rt:
            summary, description, others = self.labels(rt)
            known = self._fields_json[rt.id] = (
                rt, f'[{{"fieldId":"summary","label":{encode(summary)},"value":',
                f'}},{{"fieldId":"description","label":{encode(description)},"value":', others)
        _rt, head, middle, others = known
        text = t.summary
        out = head + (encode_basestring_ascii(text) if text.__class__ is str else encode(text))
        text = t.description
        if text:
            out += middle + (encode_basestring_ascii(text) if text.__class__ is str else encode(text))
        values = t.field_values
        if values and others:
            rest = _other_values(values, others)
            if rest:
                return f"{out}}},{encode(rest)[1:-1]}]"
        return out + "}]"

    def status_json(self, value, when, encode) -> str:
        """``status`` written as JSON; its moment is often the request's creation, written once for both."""
        out = self._statuses_json.get((value, when))
        if out is None:
            out = self._statuses_json[(value, when)] = _status_json(value, when)
        return out

    def date_json(self, moment, encode) -> str:
        """``date_dto(moment)`` written as JSON, once per moment and answer."""
        out = self._dates_json.get(moment)
        if out is None:
            out = self._dates_json[moment] = _date_json(moment)
        return out

    def user(self, account_id: str, accounts: dict[str, Account]) -> dict:
        account = accounts.get(account_id)
        known = self._users.get(account_id)
        if known is not None and known[0] is account:
            return known[1]
        out = user(account_id, accounts, self.base)
        self._users[account_id] = (account, out)
        return out

    def labels(self, rt: RequestType) -> tuple:
        """(summary's label, description's label, the other fields) of a request type."""
        known = self._labels.get(rt.id)
        if known is not None and known[0] is rt:
            return known[1]
        found = (rt.label("summary"), rt.label("description"),
                 tuple(spec for spec in rt.fields if spec.field_id not in ("summary", "description")))
        self._labels[rt.id] = (rt, found)
        return found

    def status(self, value, when) -> dict:
        out = self._statuses.get((value, when))
        if out is None:
            out = self._statuses[(value, when)] = status(value, when)
        return out


def service_desk(desk: Desk) -> dict:
    return {"id": str(desk.id), "projectId": str(desk.id), "projectName": desk.name, "projectKey": desk.key,
            "_links": {"self": f"{base_url()}{API}/servicedesk/{desk.id}"}}


def desk_public(desk: Desk) -> dict:
    """ServiceDeskDTO plus what the portal shows of a desk to those who may use it: its description.

    (Atlassian's ServiceDeskDTO has no description and allows no other member, so ``GET
    /rest/servicedeskapi/servicedesk`` keeps its shape and the description is read here.)"""
    return {**service_desk(desk), "description": desk.description}


def desk_settings(desk: Desk) -> dict:
    """ServiceDeskDTO plus what admins set."""
    return {**desk_public(desk), "active": desk.active,
            "restricted": desk.restricted, "allowParticipantInvites": desk.invite_unknown_participants,
            "emailAddress": desk.email_address,
            "emailRequestTypeId": str(desk.email_request_type_id) if desk.email_request_type_id else None,
            "emailSignup": desk.email_signup, "emailRequireDmarc": desk.email_require_dmarc,
            "customerSharing": desk.customer_sharing}


def field_spec(spec) -> dict:
    """A request type field as ``PUT /api/tickets/requesttypes/{id}/fields`` takes it."""
    return {"fieldId": spec.field_id, "name": spec.label, "required": spec.required, "type": spec.type,
            "description": spec.description, "options": [{"value": o.value, "label": o.label} for o in spec.options]}


def request_type(rt: RequestType, organizations: dict[int, str] | None = None, is_agent: bool = False) -> dict:
    """RequestTypeDTO; with ``organizations`` (``expand=field``) its ``fields`` too."""
    out = {
        "_expands": ["field"],
        "id": str(rt.id),
        "_links": {"self": f"{base_url()}{API}/servicedesk/{rt.desk_id}/requesttype/{rt.id}"},
        "name": rt.name,
        "description": rt.description,
        "helpText": rt.help_text,
        "issueTypeId": rt.issue_type,
        "serviceDeskId": str(rt.desk_id),
        "portalId": str(rt.desk_id),
        "groupIds": [],
        "icon": {"id": str(rt.id), "_links": {"iconUrls": {}}},
    }
    if organizations is not None:
        out["fields"] = request_type_fields(rt, organizations, is_agent)
    return out


def _schema(spec) -> dict:
    # JSM's JsonTypeBean carries field settings in ``configuration``: pages set maxlength from it.
    limit = {"configuration": {"maxLength": spec.max_length}}
    if spec.field_id in ("summary", "description"):
        return {"type": "string", "system": spec.field_id, **limit}
    if spec.type == SELECT:
        return {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}
    kind = "textarea" if spec.type == TEXTAREA else "textfield"
    return {"type": "string", "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{kind}", **limit}


def request_type_fields(rt: RequestType, organizations: dict[int, str], is_agent: bool) -> dict:
    """CustomerRequestCreateMetaDTO; ``organizations`` is the caller's "Share with" choice."""
    fields = [{
        "fieldId": spec.field_id, "name": spec.label, "description": spec.description,
        "required": spec.required, "visible": True,
        "validValues": [{"value": o.value, "label": o.label, "children": []} for o in spec.options],
        "defaultValues": [], "presetValues": [], "jiraSchema": _schema(spec),
    } for spec in rt.fields]
    default = [str(next(iter(organizations)))] if len(organizations) == 1 else []
    fields.append({
        "fieldId": "organizations", "name": "Share with",
        "description": "Organisations that can see this request; none means private.",
        "required": False, "visible": True,
        "validValues": [{"value": str(i), "label": n, "children": []} for i, n in sorted(organizations.items())],
        "defaultValues": [{"value": v, "label": organizations[int(v)], "children": []} for v in default],
        "presetValues": [],
        "jiraSchema": {"type": "array", "items": "sd-customerorganization",
                       "custom": "com.atlassian.servicedesk:sd-customer-organizations"},
    })
    return {"requestTypeFields": fields, "canRaiseOnBehalfOf": is_agent, "canAddRequestParticipants": True}


def status(value: Status | str, when) -> dict:
    st = Status(value)
    return {"status": st.value, "statusCategory": st.category, "statusDate": date_dto(when)}


def _field_values(view: RequestView, shared: Shared) -> list[dict]:
    t = view.ticket
    summary, description, others = shared.labels(view.request_type)
    out = [{"fieldId": "summary", "label": summary, "value": t.summary}]
    if t.description:
        out.append({"fieldId": "description", "label": description, "value": t.description})
    if t.field_values:
        out.extend(_other_values(t.field_values, others))
    return out


def _other_values(values: dict, others: tuple) -> list[dict]:
    """The values of the fields other than summary and description, in the request type's order."""
    out = []
    for spec in others:
        if spec.field_id in values:
            raw = values[spec.field_id]
            if spec.type == SELECT:
                option = spec.option(raw)
                raw = {"id": raw, "value": option.label if option else raw}
            out.append({"fieldId": spec.field_id, "label": spec.label, "value": raw})
    return out


# What the answers written member by member hold of the people, moments and statuses, kept by the
# worker: the same pages are asked for again and again, and their people and moments with them. Only
# for the fast path's settings (compact, ASCII, members in order), which these texts assume.
@lru_cache(maxsize=4096)
def _date_json(moment) -> str:
    return json.dumps(_date_dto(moment), separators=(",", ":")) if moment is not None else "null"


@lru_cache(maxsize=4096)
def _status_json(value, when) -> str:
    st = Status(value)
    date = _date_json(when)
    return (f'{{"status":{encode_basestring_ascii(st.value)},"statusCategory":{encode_basestring_ascii(st.category)},'
            f'"statusDate":{date}}}')


@lru_cache(maxsize=4096)
def _user_json(base: str, account_id: str, account: Account | None) -> str:
    if account is None:
        aid, email, name, active = account_id, "", None, False
    else:
        aid, email, name, active = account.id, account.email, account.display_name, account.active
    q = encode_basestring_ascii
    mail, link = q(email), q(f"{base}/rest/api/2/user?accountId={aid}")
    return (f'{{"accountId":{q(aid)},"name":{mail},"key":{mail},"emailAddress":{mail},'
            f'"displayName":{q(name or email)},"active":{json.dumps(active)},'
            f'"_links":{{"jiraRest":{link},"avatarUrls":{{}},"self":{link}}}}}')


def _page(values: list, path: str, base: str | None = None) -> dict:
    """A PagedDTO of an expansion (the first page; the sub-resource pages on)."""
    from common.jsm import paged

    return paged(values, 0, max(len(values), 1), True, path=path, base=base)


def _expanded(view: RequestView, wanted: frozenset[str], shared: Shared) -> dict:
    t, out, base = view.ticket, {}, shared.base
    if "serviceDesk" in wanted:
        out["serviceDesk"] = service_desk(view.desk)
    if "requestType" in wanted:
        out["requestType"] = request_type(view.request_type)
    if "participant" in wanted:
        people = sorted(t.participant_ids, key=lambda i: (view.accounts[i].email if i in view.accounts else i))
        out["participants"] = _page([shared.user(p, view.accounts) for p in people],
                                    f"{API}/request/{t.key}/participant", base)
    if "status" in wanted:
        out["status"] = _page([shared.status(s, at) for s, at in view.statuses], f"{API}/request/{t.key}/status", base)
    if "comment" in wanted:
        with_files = "comment.attachment" in wanted
        out["comments"] = _page([comment(t.key, c, view.accounts, view.comment_attachments.get(c.id, [])
                                         if with_files else None, shared=shared) for c in view.comments],
                                f"{API}/request/{t.key}/comment", base)
    if "attachment" in wanted:
        out["attachments"] = attachment_page(t.key, view.attachments, view.accounts)
    if "action" in wanted:
        out["actions"] = {name: {"allowed": allowed} for name, allowed in view.actions.items()}
    return out


def customer_requests(views: list[RequestView], wanted: frozenset[str] = frozenset()) -> list[dict]:
    """``customer_request`` of each view of one answer, with what they have in common built once."""
    shared = Shared()
    return [customer_request(v, wanted, shared) for v in views]


# The CustomerRequestDTO's members after its expansions, as ``customer_request`` orders them.
_EXPANDS_JSON = '"_expands":' + json.dumps(
    ["participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"],
    separators=(",", ":"))


def customer_requests_json(views: list[RequestView], wanted: frozenset[str], encode) -> list[str]:
    """``customer_requests`` written as JSON by ``encode`` (compact, ASCII, members in order), each
    request's constant members and the answer's people and statuses written once: encoding a list of 50
    cost more than building it, most of it the same keys, people and moments again."""
    shared = Shared()
    return [customer_request_json(v, wanted, shared, encode) for v in views]


def customer_request_json(view: RequestView, wanted: frozenset[str], shared: Shared, encode) -> str:
    """``encode(customer_request(view, wanted, shared))``, member by member (kept in step with it by
    tests/unit/test_answer_encoding.py)."""
    t, qb = view.ticket, shared.qbase
    key = encode_basestring_ascii(t.key) if t.key.__class__ is str else encode(t.key)
    head = _expanded_json(view, wanted, shared, encode, key) if wanted else ""
    tid, k = str(t.id), key[1:-1]
    return (
        f'{{{head}{_EXPANDS_JSON},"issueId":"{tid}","issueKey":{key},'
        f'"requestTypeId":"{t.request_type_id}","serviceDeskId":"{t.desk_id}",'
        f'"createdDate":{shared.date_json(t.created_at, encode)},'
        f'"reporter":{shared.user_json(t.reporter_id, view.accounts, encode)},'
        f'"requestFieldValues":{shared.fields_json(view, encode)},'
        f'"currentStatus":{shared.status_json(t.status, t.status_changed_at, encode)},'
        f'"_links":{{"jiraRest":"{qb}/rest/api/2/issue/{tid}","web":"{qb}/portal/requests/{k}",'
        f'"self":"{qb}{API}/request/{tid}","agent":"{qb}/agent/requests/{k}"}}}}')


def _page_json(values: list[str], path: str, shared: Shared) -> str:
    """``_page(values, path)`` written as JSON, its values already written (``path`` escaped)."""
    size = len(values)
    limit = max(size, 1)
    return (f'{{"_expands":[],"size":{size},"start":0,"limit":{limit},"isLastPage":true,'
            f'"_links":{{"base":"{shared.qbase}","context":"","self":"{shared.qbase}{path}?start=0&limit={limit}"}},'
            f'"values":[{",".join(values)}]}}')


# Each set of actions written once per worker: a page's requests have one or two sets (whether the caller
# manages participants), and encoding the same four members again for each request cost more than its
# statuses. Keyed with the values' types too: ``True == 1``, and 1 is written "1", not "true".
_ACTIONS_JSON: dict[tuple, str] = {}
_ACTIONS_KEPT = 64


def _actions_json(actions: dict, encode) -> str:
    """``encode({name: {"allowed": allowed} for name, allowed in actions.items()})``."""
    key = (tuple(actions.items()), tuple(map(type, actions.values())))
    out = _ACTIONS_JSON.get(key)
    if out is None:
        out = encode({name: {"allowed": allowed} for name, allowed in actions.items()})
        if len(_ACTIONS_JSON) < _ACTIONS_KEPT and all(t is bool for t in key[1]):
            _ACTIONS_JSON[key] = out
    return out


# The expansions written through ``encode`` (``_expanded_json``); a customer's list asks for the others
# (``expand=status,comment,action``), written member by member in ``_expanded_common_json``.
_OTHER_EXPANSIONS = frozenset({"serviceDesk", "requestType", "participant", "attachment", "comment.attachment"})
# An expansion's page of nothing, around the request's key (most requests have no comment and the list
# reads their statuses only when there are some): written once instead of as a page per request.
_EMPTY_STATUS = '/status?start=0&limit=1"},"values":[]}'
_EMPTY_COMMENTS = '/comment?start=0&limit=1"},"values":[]}'


def _expanded_json(view: RequestView, wanted: frozenset[str], shared: Shared, encode, written_key: str) -> str:
    """``_expanded``'s members written as JSON (each followed by a comma): statuses and comments member
    by member, the rarer expansions through ``encode`` (``written_key``: the request's key as JSON)."""
    t = view.ticket
    key = written_key[1:-1] if t.key.__class__ is str else None
    if key is not None and wanted.isdisjoint(_OTHER_EXPANSIONS):
        return _expanded_common_json(view, wanted, key, shared, encode)
    out, base = [], shared.base
    if "serviceDesk" in wanted:
        out.append(f'"serviceDesk":{encode(service_desk(view.desk))},')
    if "requestType" in wanted:
        out.append(f'"requestType":{encode(request_type(view.request_type))},')
    if "participant" in wanted:
        people = sorted(t.participant_ids, key=lambda i: (view.accounts[i].email if i in view.accounts else i))
        page = _page([shared.user(p, view.accounts) for p in people], f"{API}/request/{t.key}/participant", base)
        out.append(f'"participants":{encode(page)},')
    if "status" in wanted:
        if key is None:
            page = encode(_page([shared.status(s, at) for s, at in view.statuses],
                                f"{API}/request/{t.key}/status", base))
        else:
            page = _page_json([shared.status_json(s, at, encode) for s, at in view.statuses],
                              f"{API}/request/{key}/status", shared)
        out.append(f'"status":{page},')
    if "comment" in wanted:
        if "comment.attachment" in wanted or key is None:
            files = "comment.attachment" in wanted
            page = encode(_page([comment(t.key, c, view.accounts, view.comment_attachments.get(c.id, []) if files
                                         else None, shared=shared) for c in view.comments],
                                f"{API}/request/{t.key}/comment", base))
        else:
            page = _page_json([_comment_json(key, c, view.accounts, shared, encode) for c in view.comments],
                              f"{API}/request/{key}/comment", shared)
        out.append(f'"comments":{page},')
    if "attachment" in wanted:
        out.append(f'"attachments":{encode(attachment_page(t.key, view.attachments, view.accounts))},')
    if "action" in wanted:
        out.append(f'"actions":{_actions_json(view.actions, encode)},')
    return "".join(out)


def _expanded_common_json(view: RequestView, wanted: frozenset[str], key: str, shared: Shared, encode) -> str:
    """``_expanded_json`` of status, comment and action alone (``key`` escaped)."""
    out = ""
    if "status" in wanted:
        if view.statuses:
            page = _page_json([shared.status_json(s, at, encode) for s, at in view.statuses],
                              f"{API}/request/{key}/status", shared)
        else:
            page = shared.empty_head + key + _EMPTY_STATUS
        out = f'"status":{page},'
    if "comment" in wanted:
        if view.comments:
            page = _page_json([_comment_json(key, c, view.accounts, shared, encode) for c in view.comments],
                              f"{API}/request/{key}/comment", shared)
        else:
            page = shared.empty_head + key + _EMPTY_COMMENTS
        out += f'"comments":{page},'
    if "action" in wanted:
        out += f'"actions":{_actions_json(view.actions, encode)},'
    return out


def _comment_json(key: str, c: Comment, accounts: dict[str, Account], shared: Shared, encode) -> str:
    """``comment(key, c, accounts, shared=shared)`` written as JSON (``key`` escaped)."""
    body = encode_basestring_ascii(c.body) if c.body.__class__ is str else encode(c.body)
    return (f'{{"_expands":["attachment","renderedBody"],"id":"{c.id}","body":{body},'
            f'"public":{encode(c.public)},"author":{shared.user_json(c.author_id, accounts, encode)},'
            f'"created":{shared.date_json(c.created_at, encode)},'
            f'"_links":{{"self":"{shared.qbase}{API}/request/{key}/comment/{c.id}"}}}}')


def customer_request(view: RequestView, wanted: frozenset[str] = frozenset(), shared: Shared | None = None) -> dict:
    """CustomerRequestDTO, with the expansions asked for."""
    shared = shared or Shared()
    t, base = view.ticket, shared.base
    return {
        **(_expanded(view, wanted, shared) if wanted else {}),
        "_expands": ["participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"],
        "issueId": str(t.id),
        "issueKey": t.key,
        "requestTypeId": str(t.request_type_id),
        "serviceDeskId": str(t.desk_id),
        "createdDate": date_dto(t.created_at),
        "reporter": shared.user(t.reporter_id, view.accounts),
        "requestFieldValues": _field_values(view, shared),
        "currentStatus": shared.status(t.status, t.status_changed_at),
        "_links": {
            "jiraRest": f"{base}/rest/api/2/issue/{t.id}",
            "web": f"{base}/portal/requests/{t.key}",
            "self": f"{base}{API}/request/{t.id}",
            "agent": f"{base}/agent/requests/{t.key}",
        },
    }


def comment(key: str, c: Comment, accounts: dict[str, Account], attachments: list | None = None,
            rendered: bool = False, shared: Shared | None = None) -> dict:
    """CommentDTO (with its ``attachments`` page when they are given, ``renderedBody`` when asked for)."""
    shared = shared or Shared()
    out = {
        "_expands": ["attachment", "renderedBody"],
        "id": str(c.id), "body": c.body, "public": c.public,
        "author": shared.user(c.author_id, accounts), "created": date_dto(c.created_at),
        "_links": {"self": f"{shared.base}{API}/request/{key}/comment/{c.id}"},
    }
    if rendered:
        out["renderedBody"] = {"html": str(to_html(c.body))}
    if attachments is not None:
        out["attachments"] = attachment_page(key, attachments, accounts,
                                             f"{API}/request/{key}/comment/{c.id}/attachment")
    return out


def attachment(key: str, a, accounts: dict[str, Account]) -> dict:
    """AttachmentDTO: JSM's has no id, so clients find the file at ``_links.content``."""
    content = f"{base_url()}{API}/request/{key}/attachment/{a.id}"
    links = {"self": content, "content": content}
    if a.has_thumbnail:
        links["thumbnail"] = content + "/thumbnail"
    return {"filename": a.filename, "author": user(a.author_id, accounts), "created": date_dto(a.created_at),
            "size": a.size, "mimeType": a.mime_type, "_links": links}


def attachment_page(key: str, items: list, accounts: dict[str, Account], path: str | None = None,
                    start: int = 0, limit: int | None = None, last: bool = True) -> dict:
    """PagedDTOAttachmentDTO."""
    from common.jsm import paged

    values = [attachment(key, a, accounts) for a in items]
    return paged(values, start, limit or max(len(values), 1), last, path=path or f"{API}/request/{key}/attachment")


def transition(t: Transition) -> dict:
    return {"id": t.id, "name": t.name}


def organization(org_id: int, name: str) -> dict:
    return {"id": str(org_id), "name": name, "_links": {"self": f"{base_url()}{API}/organization/{org_id}"}}
