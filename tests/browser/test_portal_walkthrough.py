"""The skeleton's flow walked in a real browser against ``make run``'s one-process mode.

Agent invites a customer from the console -> the invitation is read at /dev/mail -> the customer
follows the link, creates a password, raises an Incident on Audio Matching from a phone-sized
screen -> the agent replies in public -> the customer sees Waiting for customer and the status
email is in the mailbox.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from common.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """``scripts/embedded.py`` (what ``make run`` starts) on a free port with its own var folder."""
    var = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "VAR_DIR": str(var)}
    for key in ("IDENTITY_DATABASE_URL", "TICKETS_DATABASE_URL", "NOTIFIER_DATABASE_URL", "AMQP_URL", "SMTP_URL"):
        env.pop(key, None)
    log = open(var / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "embedded.py")], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"embedded server exited: {(var / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("embedded server did not start in 90 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        from common.testing import unavailable

        unavailable(f"{CHROMIUM} is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def log_in(page, base, email, password="demo-password-1"):
    page.goto(f"{base}/portal/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def open_newest_mail(page, base, to, subject_pattern):
    """Open, at /dev/mail, the newest email to ``to`` whose subject matches; return its body text."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page.goto(f"{base}/dev/mail")
        rows = page.locator("tr", has_text=to).filter(has_text=re.compile(subject_pattern))
        if rows.count():
            rows.first.get_by_role("link").click()
            return page.locator(".mail-body").inner_text()
        time.sleep(0.5)
    pytest.fail(f"no email to {to} matching {subject_pattern!r} at /dev/mail")


def test_invitation_request_and_reply_in_a_browser(portal, browser):
    email = f"walk-{uuid.uuid4().hex[:8]}@example.com"
    agent = browser.new_context()
    page = agent.new_page()
    log_in(page, portal, "agent@example.com")
    assert "/agent" in page.url
    page.goto(f"{portal}/agent/invite")
    page.get_by_label("Email addresses").fill(email)
    page.get_by_role("button", name="Send invitations").click()
    page.wait_for_load_state()

    body = open_newest_mail(page, portal, email, r".")
    link = re.search(r"https?://\S+/portal/invitation\?token=\S+", body).group(0)

    customer = browser.new_context(viewport=PHONE, is_mobile=True)
    cpage = customer.new_page()
    cpage.goto(link)
    cpage.get_by_label("Your name").fill("Walker Customer")
    cpage.get_by_label("Password", exact=False).first.fill("walk-through-secret-1")
    cpage.get_by_label("Type the password again").fill("walk-through-secret-1")
    cpage.get_by_role("button", name="Create my account").click()
    cpage.wait_for_load_state()

    cpage.get_by_role("link", name="Audio Matching").click()
    cpage.get_by_role("link", name="Incident").click()
    cpage.get_by_label("What do you need?", exact=False).fill("Matches missing since last night")
    cpage.get_by_label("What happened?", exact=False).fill("Station list attached later.")
    cpage.get_by_label("Impact").select_option("high")
    cpage.get_by_role("button", name="Create").click()
    cpage.wait_for_load_state()
    key = re.search(r"/portal/requests/(AM-\d+)", cpage.url).group(1)
    assert key == "AM-1"  # the first request on a fresh desk
    assert "Waiting for support" in cpage.content()
    # Nothing overflows sideways on a phone-sized screen.
    assert cpage.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    page.goto(f"{portal}/agent/requests/{key}")
    page.get_by_label("Message").fill("Which stations are affected?")
    page.get_by_label("Reply to customer").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "Waiting for customer" in page.content()

    cpage.reload()
    assert "Which stations are affected?" in cpage.content()
    assert "Waiting for customer" in cpage.content()
    mail = open_newest_mail(page, portal, email, key)
    assert f"/portal/requests/{key}" in mail
    agent.close()
    customer.close()
