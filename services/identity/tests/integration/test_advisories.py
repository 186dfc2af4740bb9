"""Peer advisories (peer lessons §4.4) that identity alone answers; the rest run through the gateway
in tests/e2e/test_advisories.py."""
from datetime import timedelta

import pytest
from sqlalchemy import event


@pytest.fixture
def later(deps):
    """Move the use cases' clock forward."""
    original = deps.clock

    def move(seconds):
        deps.clock = lambda: original() + timedelta(seconds=seconds)

    yield move
    deps.clock = original


def test_osticket_cve_2026_18363_an_expired_token_is_rejected_on_every_path(api, deps, outbox, later):
    admin = api.token_for("admin@example.com", "admin")
    api.user("known@example.com")
    api.call("POST", "/api/identity/invitations", {"emails": ["invitee@example.com"]}, admin)
    api.call("POST", "/api/identity/signup", {"email": "signer@example.com"})
    api.call("POST", "/api/identity/password/forgot", {"email": "known@example.com"})
    links = {"accept": outbox("customer.invited.v1")[0]["data"]["link"],
             "confirm": outbox("customer.signed_up.v1")[0]["data"]["link"],
             "reset": outbox("password.reset_requested.v1")[0]["data"]["link"]}
    later(deps.settings.invitation_ttl + 60)
    for path, link in (("/api/identity/invitations/accept", links["accept"]),
                       ("/api/identity/signup/confirm", links["confirm"]),
                       ("/api/identity/password/reset", links["reset"])):
        answer = api.call("POST", path, {"token": api.link_token(link), "password": "another sturdy passphrase"})
        assert answer.status_code == 400 and "expired" in answer.get_json()["errorMessage"], path


def test_zammad_cve_2022_29701_the_reset_limit_is_not_bypassed_with_address_variants(api, deps):
    api.user("alice@bücher.de")
    variants = ["alice@bücher.de", "ALICE@bücher.de", " alice@BÜCHER.de ", "alice@xn--bcher-kva.de",
                "Alice@XN--BCHER-KVA.DE", "alice@Bücher.DE"]
    answers = [api.call("POST", "/api/identity/password/forgot", {"email": v},
                        headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n, v in enumerate(variants)]
    limit = deps.settings.forgot_limit
    assert answers[:limit] == [202] * limit and answers[limit:] == [429] * (len(variants) - limit)


def test_zammad_ticket_trick_an_unverified_sign_up_cannot_join_an_organisation(api, outbox):
    admin = api.token_for("admin@example.com", "admin")
    api.call("POST", "/api/identity/signup", {"email": "unverified@example.com"})
    org = api.call("POST", "/api/identity/organisations", {"name": "Acme"}, admin).get_json()
    refused = api.call("POST", f"/api/identity/organisations/{org['id']}/members",
                       {"emails": ["unverified@example.com"]}, admin)
    assert refused.status_code == 400 and outbox("organisation.member_added.v1") == []
    # Nor does it exist for other services until the address is proved.
    assert [e for e in outbox("account.created.v1") if e["data"]["email"] == "unverified@example.com"] == []


def test_rt_cve_2021_38562_a_login_costs_the_same_whether_the_account_exists(api, deps, monkeypatch):
    api.user("real@example.com")
    calls = []
    verify = deps.passwords.verify
    monkeypatch.setattr(deps.passwords, "verify", lambda stored, password: calls.append(stored) or verify(
        stored, password))
    for email in ("real@example.com", "ghost@example.com"):
        assert api.call("POST", "/api/identity/login", {"email": email, "password": "wrong guess"}).status_code == 401
    assert len(calls) == 2


def test_osticket_cve_2026_26895_forgot_password_does_the_same_work_for_unknown_emails(api, app):
    """The same answer, and the same statements but the one decoy row an unknown email needs (the timing
    itself is measured by benchmarks/forgot_password_timing.py, not here)."""
    api.user("known@example.com")
    counts = []
    for email in ("known@example.com", "unknown@example.com"):
        seen = []
        listener = lambda *args, **kw: seen.append(1)  # noqa: E731
        event.listen(app.extensions["db_engine"], "before_cursor_execute", listener)
        try:
            answer = api.call("POST", "/api/identity/password/forgot", {"email": email})
        finally:
            event.remove(app.extensions["db_engine"], "before_cursor_execute", listener)
        counts.append((answer.status_code, answer.get_json(), len(seen)))
    (status, body, known), (status2, body2, unknown) = counts
    assert (status, body) == (status2, body2) and unknown - known in (0, 1)
