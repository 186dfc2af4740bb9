"""What the browser suites share (imported by each; module-scoped, so every suite gets its own server)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from common.testing import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = ROOT / "test-results" / "screenshots"
# The running server's var folder (mailbox, SQLite databases), for checks behind the pages.
SERVER: dict = {}


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """``scripts/embedded.py`` (what ``make run`` starts) on a free port with its own var folder."""
    var = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "VAR_DIR": str(var)}
    for key in ("IDENTITY_DATABASE_URL", "TICKETS_DATABASE_URL", "NOTIFIER_DATABASE_URL", "INBOUND_DATABASE_URL",
                "AMQP_URL", "SMTP_URL", "MAIL_IN_DIR", "DEV_MAIL_IN", "REPLY_TOKEN_SECRET"):
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
        SERVER["var"] = var
        yield base
    finally:
        stop_process(proc)
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
