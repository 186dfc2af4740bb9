"""Replying by email in a real browser against ``make run``: the agent answers in the console, the
customer opens the notification at /dev/mail and uses "reply as the recipient" (which drops the
reply a mail client would send into var/mail-in), and the reply shows on the request page.
"""
from __future__ import annotations

import re
import time

import httpx
import pytest

from embedded_portal import browser, log_in, open_newest_mail, portal  # noqa: F401 (fixtures)


def test_a_customer_replies_to_the_agent_by_email(portal, browser, tmp_path):
    api = httpx.Client(base_url=portal, timeout=30)
    token = api.post("/api/identity/login", json={"email": "alice@example.com", "password": "demo-password-1"})
    alice = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = api.post("/rest/servicedeskapi/request", headers=alice, json={
        "serviceDeskId": "1", "requestTypeId": "1",
        "requestFieldValues": {"summary": "Fingerprints not matching", "description": "Since the update."}})
    assert created.status_code == 201, created.text
    key = created.json()["issueKey"]

    agent = browser.new_context()
    page = agent.new_page()
    log_in(page, portal, "agent@example.com")
    page.goto(f"{portal}/agent/requests/{key}")
    page.get_by_label("Message").fill("Which channel shows the problem?")
    page.get_by_label("Reply to customer").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "Waiting for customer" in page.content()

    customer = browser.new_context()
    cpage = customer.new_page()
    # The "request received" email comes first; the reply's email follows within seconds.
    deadline = time.monotonic() + 20
    body = open_newest_mail(cpage, portal, "alice@example.com", re.escape(key))
    while "Which channel shows the problem?" not in body and time.monotonic() < deadline:
        time.sleep(0.5)
        body = open_newest_mail(cpage, portal, "alice@example.com", re.escape(key))
    assert "Which channel shows the problem?" in body and "Reply to this email" in body
    cpage.get_by_label("Your reply").fill("Channel 4, every evening.")
    cpage.get_by_role("button", name="Send the reply").click()
    cpage.wait_for_load_state()
    assert "taken in within a few seconds" in cpage.content()

    log_in(cpage, portal, "alice@example.com")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        cpage.goto(f"{portal}/portal/requests/{key}")
        # The page reads the request and its comments in two calls: wait until both show the reply.
        if "Channel 4, every evening." in cpage.content() and "Waiting for support" in cpage.content():
            break
        time.sleep(0.5)
    else:
        pytest.fail("the emailed reply did not appear on the request page")
    assert "Which channel shows the problem?" in cpage.content()
    assert "Waiting for support" in cpage.content()  # a customer's reply moves it back to support
    assert "wrote:" not in cpage.content()  # the quoted notification was left out
    cpage.screenshot(path=str(tmp_path / "request-after-email-reply.png"), full_page=True)
    # Agents can open the whole email, quoted notification included.
    page.goto(f"{portal}/agent/requests/{key}")
    page.get_by_text("Received by email from alice@example.com").click()
    assert page.locator(".original-email pre").inner_text().count("Which channel shows the problem?") == 1
    print(f"\nscreenshot: {tmp_path / 'request-after-email-reply.png'}")
    agent.close()
    customer.close()
