"""One regression test per peer advisory that applies to us (docs: peer lessons §4.4), through the gateway.

Named after the advisory. Advisories about features we do not have are listed at the end, with why;
mail threading and spoofing are tested against the mail rule (see the end).
Identity-only cases that need a clock or a counter (token expiry on every path, reset limits across
address variants, unverified sign-ups, login cost for unknown accounts) are in
services/identity/tests/integration/test_advisories.py; the organisation-id substring case is in
services/tickets/tests/integration/test_advisories.py.
"""
from __future__ import annotations

import base64
import re
import uuid

import httpx
import pytest

from common.testing import wait_for
from conftest import Mailbox, login
from test_authorisation_matrix import TABLE

API = "/rest/servicedeskapi"


def _get(world, path, relation, **params):
    return world.api.get(path, headers=world.headers[relation], params=params or None)


def _keys(world, relation, **params) -> set[str]:
    answer = _get(world, f"{API}/request", relation, requestOwnership="ALL_REQUESTS", limit=100, **params)
    assert answer.status_code == 200, answer.text
    return {r["issueKey"] for r in answer.json()["values"]}


def _listed(world, relation, key) -> bool:
    """Whether ``key`` is in the caller's list (searched by key: other suites add many requests)."""
    return key in _keys(world, relation, searchTerm=key)


# -- visibility leaks and IDOR -------------------------------------------------------------------
def test_zammad_1857_get_by_key_applies_the_same_predicate_as_the_list(world):
    for relation in ("reporter", "org member", "stranger", "agent of another desk", "agent of the desk"):
        listed = _listed(world, relation, world.shared_key)
        opened = _get(world, f"{API}/request/{world.shared_key}", relation).status_code == 200
        assert listed is opened, relation
    assert not _listed(world, "org member", world.private_key)
    assert _get(world, f"{API}/request/{world.private_key}", "org member").status_code == 404


def _public_reply_reaches_reporter(world, key, text):
    world.api.post(f"{API}/request/{key}/comment", json={"body": text, "public": True},
                   headers=world.headers["agent of the desk"])
    return wait_for(lambda: [m for m in world.mailbox.to(world.emails["reporter"]) if text in Mailbox.text(m)],
                    what="the reporter's email about the public reply")


def test_zammad_cve_2022_40816_every_transport_hides_what_the_reader_may_not_see(world):
    key = world.create(summary="Transport policy")
    secret = f"internal-{uuid.uuid4().hex}"
    world.api.post(f"{API}/request/{key}/comment", json={"body": secret, "public": False},
                   headers=world.headers["agent of the desk"])
    _public_reply_reaches_reporter(world, key, f"public-{uuid.uuid4().hex}")
    for relation in ("reporter", "participant", "org member", "stranger"):
        assert not [m for m in world.mailbox.to(world.emails[relation]) if secret in Mailbox.text(m)], relation
        comments = _get(world, f"{API}/request/{key}/comment", relation)
        assert secret not in comments.text


def test_freescout_realtime_fan_out_filters_recipients_by_permission(world):
    key = world.create(private=True, summary="Private fan-out")
    marker = f"private-reply-{uuid.uuid4().hex}"
    _public_reply_reaches_reporter(world, key, marker)
    for relation in ("org member", "participant", "stranger"):
        assert not [m for m in world.mailbox.to(world.emails[relation]) if marker in Mailbox.text(m)], relation


def test_zammad_cve_2022_40817_side_actions_need_write_permission(world):
    key = world.create(summary="Read-only member")
    member = world.headers["org member"]
    for method, path, body in (
            ("POST", f"{API}/request/{key}/participant", {"usernames": [world.emails["stranger"]]}),
            ("DELETE", f"{API}/request/{key}/participant", {"usernames": [world.emails["participant"]]}),
            ("POST", f"/api/tickets/requests/{key}/organizations", {"remove": [int(world.org_id)]}),
            ("PATCH", f"/api/tickets/requests/{key}", {"summary": "Taken over"}),
            ("POST", f"{API}/request/{key}/transition", {"id": "5"})):
        assert world.api.request(method, path, json=body, headers=member).status_code == 403, path
    assert _get(world, f"{API}/request/{key}", "admin").json()["currentStatus"]["status"] == "Waiting for support"


def test_zammad_cve_2026_34722_ids_nested_in_a_create_payload_are_authorised_one_by_one(world):
    base = {"serviceDeskId": world.am_id, "requestTypeId": world.question_id}
    stranger = world.headers["stranger"]
    cases = [
        ({"requestFieldValues": {"summary": "x", "organizations": [int(world.org_id)]}}, 400),
        ({"requestFieldValues": {"summary": "x", "organizations": []},
          "requestParticipants": [world.ids["org member"]]}, 400),
        ({"requestFieldValues": {"summary": "x"}, "raiseOnBehalfOf": world.emails["reporter"]}, 403),
    ]
    for extra, status in cases:
        answer = world.api.post(f"{API}/request", json={**base, **extra}, headers=stranger)
        assert answer.status_code == status, (extra, answer.text)


def test_rt_cve_2023_45024_searches_and_counts_apply_visibility_first(world):
    summary = _get(world, f"{API}/request/{world.shared_key}", "admin").json()["requestFieldValues"][0]["value"]
    for relation in ("stranger", "agent of another desk"):
        assert world.shared_key not in _keys(world, relation, searchTerm=summary)
        assert world.shared_key not in _keys(world, relation, searchTerm=world.shared_key)
    queue = _get(world, "/api/tickets/queues", "agent of another desk", serviceDeskId=world.am_id, queue="all")
    assert queue.status_code == 404


def test_rt_rest2_stricter_access_pages_reveal_no_totals(world):
    page = _get(world, f"{API}/request", "stranger", requestOwnership="ALL_REQUESTS", limit=1).json()
    assert "total" not in page and page["isLastPage"] is True and page["values"] == []
    people = _get(world, "/api/tickets/people", "stranger", query="example", serviceDeskId=world.am_id).json()
    assert "total" not in people


def test_otrs_cve_2013_3551_every_secondary_endpoint_rechecks_access(world):
    for tail in ("/status", "/comment", "/transition", "/participant", "/notification",
                 f"/comment/{world.internal_comment_id}"):
        for relation in ("stranger", "agent of another desk", "org member, private request"):
            key = world.private_key if relation == "org member, private request" else world.shared_key
            assert _get(world, f"{API}/request/{key}{tail}", relation).status_code == 404, (tail, relation)
    for native in ("", "/history"):
        assert _get(world, f"/api/tickets/requests/{world.shared_key}{native}", "stranger").status_code == 404


def test_znuny_cve_2025_26846_the_api_runs_the_same_authorisation_as_the_console(world):
    key = world.create(summary="Same rule everywhere")
    # The console changes a request through the native API; the JSM API is the other door.
    for method, path, body in (("PATCH", f"/api/tickets/requests/{key}", {"summary": "x"}),
                               ("PUT", f"/api/tickets/requests/{key}/assignee", {"accountId": None}),
                               ("POST", f"{API}/request/{key}/comment", {"body": "x", "public": False})):
        assert world.api.request(method, path, json=body, headers=world.headers["participant"]).status_code == 403
        assert world.api.request(method, path, json=body,
                                 headers=world.headers["agent of another desk"]).status_code == 404


def test_freescout_ghsa_wqq7_lookup_by_human_readable_number_is_authorised(world):
    issue_id = _get(world, f"{API}/request/{world.shared_key}", "admin").json()["issueId"]
    for ref in (world.shared_key, world.shared_key.lower(), issue_id, f" {world.shared_key}"):
        assert _get(world, f"{API}/request/{ref}", "stranger").status_code == 404, ref
        assert _get(world, f"{API}/request/{ref}", "agent of another desk").status_code == 404, ref


def test_freescout_ghsa_cr68_every_mutating_action_carries_an_authorisation_test(world):
    from tickets.api.desks import openapi_document

    covered = {(row.method, re.sub(r"\{[^}]+\}", "{}", row.path.split("?")[0])) for row in TABLE}
    for path, item in openapi_document()["paths"].items():
        for method in item:
            if method not in ("post", "put", "patch", "delete") or "{issueIdOrKey}" not in path:
                continue
            generic = re.sub(r"\{[^}]+\}", "{}", path)
            mutating = (method.upper(), generic)
            exempt = {("DELETE", "/rest/servicedeskapi/request/{}/notification")}  # the same rule as PUT
            assert mutating in covered or mutating in exempt, f"no matrix row for {mutating}"


def test_frappe_helpdesk_suggestions_filter_by_visibility(world):
    reporter_name = _get(world, "/api/identity/me", "reporter").json()["displayName"]
    for relation in ("stranger", "agent of another desk", "participant"):
        found = _get(world, "/api/tickets/people", relation, query=reporter_name, serviceDeskId=world.am_id).json()
        assert world.ids["reporter"] not in {u["accountId"] for u in found["values"]}, relation
    mine = _get(world, "/api/tickets/people", "org member", query=reporter_name, serviceDeskId=world.am_id).json()
    assert world.ids["reporter"] in {u["accountId"] for u in mine["values"]}


def test_django_helpdesk_per_queue_permission_limits_staff_to_their_queues(world):
    assert not _listed(world, "agent of another desk", world.shared_key)
    assert _get(world, "/api/tickets/queues", "agent of another desk", serviceDeskId=world.am_id).status_code == 404
    assert _get(world, f"/api/tickets/desks/{world.am_id}/agents", "agent of another desk").status_code == 403
    assert _listed(world, "agent of the desk", world.shared_key)


def test_django_helpdesk_authorisation_failures_deny_and_never_return_the_object(world):
    for path in (f"/portal/requests/{world.shared_key}", f"/portal/requests/{world.shared_key}/mute",
                 f"/agent/requests/{world.shared_key}"):
        answer = world.api.get(path, follow_redirects=False)
        assert answer.status_code in (302, 303) and "/portal/login" in answer.headers["location"], path
        assert "Authorisation matrix" not in answer.text


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic " + base64.b64encode(
    b"someone@example.com:sdt_wrong").decode()])
def test_peppermint_353_nothing_happens_after_an_authentication_failure(world, authorization):
    key = world.create(summary="No side effect")
    before = len(_get(world, f"{API}/request/{key}/comment", "admin").json()["values"])
    headers = {"Authorization": authorization} if authorization else {}
    for method, path, body in (("POST", f"{API}/request/{key}/comment", {"body": "sneaky", "public": True}),
                               ("POST", f"{API}/request/{key}/transition", {"id": "5"}),
                               ("PATCH", f"/api/tickets/requests/{key}", {"summary": "sneaky"})):
        assert world.api.request(method, path, json=body, headers=headers).status_code == 401
    after = _get(world, f"{API}/request/{key}", "admin").json()
    assert len(_get(world, f"{API}/request/{key}/comment", "admin").json()["values"]) == before
    assert after["currentStatus"]["status"] == "Waiting for support"


# -- account takeover ----------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["", None, " ", "\u0000"])
def test_freescout_ghsa_jqj5_an_empty_invitation_token_never_matches(world, token):
    answer = world.api.post("/api/identity/invitations/accept", json={"token": token, "password": "long password 1"})
    assert answer.status_code == 400


def test_freescout_ghsa_hqff_invitation_links_are_single_use(world):
    email = f"single-use-{uuid.uuid4().hex[:6]}@example.com"
    world.api.post("/api/identity/invitations", json={"emails": [email]}, headers=world.agent_headers)
    token = Mailbox.link_token(wait_for(lambda: world.mailbox.to(email), what="the invitation")[0])
    first = world.api.post("/api/identity/invitations/accept", json={"token": token, "password": "long password 1"})
    again = world.api.post("/api/identity/invitations/accept", json={"token": token, "password": "long password 2"})
    assert first.status_code == 200 and again.status_code == 400
    assert login(world.api, email, "long password 1")


def test_freescout_ghsa_jvmv_forgot_password_answers_alike_and_is_throttled(world):
    known = world.api.post("/api/identity/password/forgot", json={"email": world.emails["stranger"]})
    unknown = world.api.post("/api/identity/password/forgot", json={"email": f"nobody-{uuid.uuid4().hex}@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    target = f"throttle-{uuid.uuid4().hex[:6]}@example.com"
    statuses = [world.api.post("/api/identity/password/forgot", json={"email": target}).status_code
                for _ in range(8)]
    assert 429 in statuses and statuses[0] == 202


def test_osticket_cve_2021_42235_queries_are_parameterised(world):
    for hostile in ("' OR 1=1 --", "%' OR '1'='1", "\\'; DROP TABLE tickets; --"):
        assert world.shared_key not in _keys(world, "stranger", searchTerm=hostile)
        assert world.api.post("/api/identity/login", json={"email": hostile, "password": hostile}).status_code == 401
        people = _get(world, "/api/tickets/people", "stranger", query=hostile)
        assert people.status_code == 200 and people.json()["values"] == []
    assert _get(world, f"{API}/request/{world.shared_key}", "reporter").status_code == 200


def _throwaway_login(world) -> str:
    email, _headers = world.customer("lockout")
    return email


def test_zammad_cve_2026_34720_forwarded_headers_are_trusted_only_from_the_gateway(world):
    """A client cannot pick the address its failures count against by sending X-Forwarded-For itself."""
    email = _throwaway_login(world)
    for n in range(11):
        world.api.post("/api/identity/login", json={"email": email, "password": "wrong"},
                       headers={"X-Forwarded-For": f"10.0.0.{n}", "X-Real-IP": f"10.1.0.{n}"})
    spoofed = world.api.post("/api/identity/login", json={"email": email, "password": "customer-password-123"},
                             headers={"X-Forwarded-For": "10.9.9.9"})
    assert spoofed.status_code == 429


def test_freescout_ghsa_9cm3_a_spoofed_cf_connecting_ip_is_not_trusted(world):
    email = _throwaway_login(world)
    for n in range(11):
        world.api.post("/api/identity/login", json={"email": email, "password": "wrong"},
                       headers={"CF-Connecting-IP": f"10.2.0.{n}", "True-Client-IP": f"10.3.0.{n}"})
    assert world.api.post("/api/identity/login", json={"email": email, "password": "customer-password-123"},
                          headers={"CF-Connecting-IP": "10.2.9.9"}).status_code == 429


# -- notification spoofing and stored XSS --------------------------------------------------------
def test_freescout_ghsa_5vg9_and_rt_cve_2012_4730_no_header_injection(world):
    key = world.create(summary="Broken\r\nBcc: evil@example.com")
    marker = f"reply-{uuid.uuid4().hex}"
    [mail] = _public_reply_reaches_reporter(world, key, marker)
    assert mail["Bcc"] is None and "\n" not in str(mail["Subject"])
    assert not world.mailbox.to("evil@example.com")
    renamed = world.api.patch("/api/identity/me", json={"displayName": "Eve\r\nBcc: evil@example.com"},
                              headers=world.headers["stranger"])
    assert renamed.status_code == 400


def _portal(stack, email: str, password: str) -> httpx.Client:
    """A browser-like session on the portal, signed in through its login form."""
    browser = httpx.Client(base_url=stack.gateway_url, timeout=30, follow_redirects=True)
    form = browser.get("/portal/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed_in = browser.post("/portal/login", data={"email": email, "password": password, "csrf_token": csrf})
    assert signed_in.status_code == 200, signed_in.text[:300]
    return browser


def test_stored_xss_in_summaries_and_comments_is_rendered_inert(world, stack):
    email, headers = world.customer("xss")
    answer = world.api.post(f"{API}/request", headers=headers, json={
        "serviceDeskId": world.am_id, "requestTypeId": world.question_id,
        "requestFieldValues": {"summary": "<script>alert('summary')</script>", "organizations": []}})
    key = answer.json()["issueKey"]
    world.api.post(f"{API}/request/{key}/comment", headers=headers, json={
        "body": "<img src=x onerror=alert(1)> [link](javascript:alert(2)) <script>alert(3)</script>",
        "public": True})
    browser = _portal(stack, email, "customer-password-123")
    try:
        page = browser.get(f"/portal/requests/{key}")
    finally:
        browser.close()
    assert page.status_code == 200
    # The text shows, escaped; no element or link of it is live.
    assert not re.search(r"<script>alert|<img[^>]*onerror|href=\"javascript:", page.text)
    assert "&lt;script&gt;alert(" in page.text and "onerror=alert(1)&gt;" in page.text
    policy = page.headers.get("Content-Security-Policy", "")
    assert "script-src" in policy or "default-src" in policy


# -- attachments ---------------------------------------------------------------------------------
def _upload(world, relation: str, name: str = "notes.txt", content: bytes = b"notes") -> str:
    answer = world.api.post(f"{API}/servicedesk/{world.am_id}/attachTemporaryFile", files={"file": (name, content)},
                            headers={**world.headers[relation], "X-Atlassian-Token": "no-check"})
    assert answer.status_code == 201, answer.text
    return answer.json()["temporaryAttachments"][0]["temporaryAttachmentId"]


def _attached(world, key: str, relation: str, public: bool = True) -> str:
    answer = world.api.post(f"{API}/request/{key}/attachment", headers=world.headers[relation],
                            json={"temporaryAttachmentIds": [_upload(world, relation)], "public": public})
    assert answer.status_code == 201, answer.text
    return httpx.URL(answer.json()["attachments"]["values"][0]["_links"]["content"]).path


def test_zammad_cve_2024_33668_upload_handles_are_random_and_bound_to_their_owner(world):
    key = world.create(summary="Upload handles")
    first, second = _upload(world, "reporter"), _upload(world, "reporter")
    assert first != second and not (first.isdigit() or second.isdigit()) and len(first) >= 16
    for relation in ("participant", "org member", "agent of the desk"):
        taken = world.api.post(f"{API}/request/{key}/attachment", headers=world.headers[relation],
                               json={"temporaryAttachmentIds": [first], "public": True})
        assert taken.status_code == 400 and first in taken.json()["errorMessage"], relation


def test_freescout_ghsa_wg74_an_attachment_needs_the_requests_visibility(world):
    key = world.create(summary="Attachment visibility")
    path = _attached(world, key, "reporter")
    assert world.api.get(path).status_code == 401
    for relation, status in (("org member", 200), ("participant", 200), ("agent of the desk", 200),
                             ("stranger", 404), ("agent of another desk", 404)):
        assert world.api.get(path, headers=world.headers[relation]).status_code == status, relation


def test_frappe_helpdesk_2025_07_attachments_are_private_by_default(world):
    key = world.create(summary="Private files")
    internal = _attached(world, key, "agent of the desk", public=False)
    assert world.api.get(internal).status_code == 401
    for relation in ("reporter", "participant", "org member"):
        assert world.api.get(internal, headers=world.headers[relation]).status_code == 404, relation
        listed = world.api.get(f"{API}/request/{key}/attachment", headers=world.headers[relation]).json()
        assert listed["values"] == [], relation
    assert world.api.get(internal, headers=world.headers["agent of the desk"]).status_code == 200


# Advisories about mail threading and spoofing are tested against the mail rule and the inbound
# headers: services/tickets/tests/unit/test_mail_advisories.py (FreeScout GHSA-8vm3, GHSA-6r38,
# GHSA-j49f) and services/inbound/tests/unit/test_advisories.py (RT CVE-2023-41259).
NOT_APPLICABLE = {
    "osTicket check-ticket-status link": "no anonymous ticket access: every page needs a login",
    "Zammad CVE-2026-84458 (SSO auto-linking)": "no SSO; the unverified-email case is tested in identity",
}
