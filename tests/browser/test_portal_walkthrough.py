"""The skeleton's flow walked in a real browser against ``make run``'s one-process mode.

Agent invites a customer from the console -> the invitation is read at /dev/mail -> the customer
follows the link, creates a password, raises an Incident on Audio Matching from a phone-sized
screen -> the agent replies in public -> the customer sees Waiting for customer and the status
email is in the mailbox.

Attachments (on TV Audience, so the first walk keeps AM-1): a customer attaches a PNG on the
create form, then a log and a pasted screenshot with a comment; an agent adds an internal note with
a file and a public reply with another; a colleague in the same organisation sees and downloads the
public ones on a phone; a customer of another organisation gets 404 for the content and thumbnail
addresses; the internal file is nowhere for customers (page, API lists and expansions, thumbnails,
emails, the events' audience). Screenshots of the pages go to ``test-results/screenshots``.
"""
from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import httpx

from embedded_portal import (  # noqa: F401 (fixtures)
    DESKTOP, PHONE, SERVER, SHOTS, browser, log_in, open_newest_mail, portal,
)


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


def _png(path: Path, size=(640, 400), colour="#1f4fbf") -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, 80), fill=colour)
    draw.rectangle((20, 110, size[0] // 2, size[1] - 20), outline=colour, width=6)
    image.save(path, "PNG")
    return path


def _emails_to(address: str) -> list[str]:
    from email import message_from_bytes, policy

    texts = []
    for eml in sorted((SERVER["var"] / "mail").glob("*.eml")):
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            texts.append(message.get_body(("plain",)).get_content())
    return texts


def _outbox(routing_key: str) -> list[dict]:
    import json
    import sqlite3

    with sqlite3.connect(SERVER["var"] / "tickets.db") as conn:
        rows = conn.execute("SELECT body FROM outbox WHERE routing_key = ?", (routing_key,)).fetchall()
    return [json.loads(body)["data"] for (body,) in rows]


PASTE_SCREENSHOT = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 90;
  const context = canvas.getContext('2d');
  context.fillStyle = '#b3261e'; context.fillRect(0, 0, 160, 90);
  const blob = await new Promise(done => canvas.toBlob(done, 'image/png'));
  const data = new DataTransfer();
  data.items.add(new File([blob], 'image.png', {type: 'image/png'}));
  document.querySelector('#field-body').dispatchEvent(
    new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def _thumbnails_loaded(page) -> bool:
    """Whether every thumbnail on the page decoded as an image (they load lazily: bring each into view)."""
    images = page.locator(".attachment-thumb img")
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.attachment-thumb img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)", timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    return images.count() > 0


def test_attachments_in_a_browser(portal, browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot = _png(tmp_path / "ratings-error.png")
    diagram = _png(tmp_path / "internal-diagram.png", colour="#8a6d00")
    log = tmp_path / "player.log"
    log.write_text("12:00 player started\n12:01 ratings page: HTTP 500\n")
    report = tmp_path / "fix-report.txt"
    report.write_text("The CDN cache was purged at 14:00.\n")

    alice = browser.new_context(viewport=DESKTOP).new_page()
    log_in(alice, portal, "alice@example.com")
    alice.get_by_role("link", name="TV Audience").click()
    alice.get_by_role("link", name="Incident").click()
    alice.get_by_label("What do you need?", exact=False).fill("Ratings page shows an error")
    alice.get_by_label("What happened?", exact=False).fill("See the screenshot.")
    alice.get_by_label("Attachments").set_input_files(str(screenshot))
    assert "ratings-error.png" in alice.locator(".file-list").inner_text()  # the script lists the choice
    alice.screenshot(path=str(SHOTS / "create-form-desktop.png"), full_page=True)
    alice.get_by_role("button", name="Create").click()
    alice.wait_for_load_state()
    key = re.search(r"/portal/requests/(TV-\d+)", alice.url).group(1)
    assert "ratings-error.png" in alice.locator("#attachments").inner_text()

    alice.get_by_label("Add a comment").fill("Here is the player log, and the error as I see it now.")
    alice.get_by_label("Attach files").set_input_files(str(log))
    alice.evaluate(PASTE_SCREENSHOT)
    chosen = alice.locator(".file-list li")
    assert chosen.count() == 2 and re.search(r"screenshot-\d{8}-\d{6}\.png", chosen.nth(1).inner_text())
    alice.get_by_role("button", name="Send").click()
    alice.wait_for_load_state()
    files = alice.locator("#attachments .attachment-name").all_inner_texts()
    assert files[:2] == ["ratings-error.png", "player.log"] and re.match(r"screenshot-\d{8}-\d{6}\.png", files[2])
    assert alice.locator(".comment .attachment-name").count() == 2  # shown under the comment too
    assert _thumbnails_loaded(alice)
    alice.screenshot(path=str(SHOTS / "request-desktop.png"), full_page=True)

    agent_context = browser.new_context(viewport=DESKTOP)
    agent = agent_context.new_page()
    log_in(agent, portal, "agent@example.com")
    agent.goto(f"{portal}/agent/requests/{key}")
    agent.get_by_label("Internal note").check()
    agent.get_by_label("Message").fill("Looks like the CDN cache; see the diagram.")
    agent.get_by_label("Attach files").set_input_files(str(diagram))
    agent.get_by_role("button", name="Send").click()
    agent.wait_for_load_state()
    internal = agent.locator(".attachment-internal").first
    assert "internal-diagram.png" in internal.inner_text() and "not visible to the customer" in \
        internal.text_content()
    internal_href = internal.locator("a.attachment-name").get_attribute("href")
    agent.get_by_label("Reply to customer").check()
    agent.get_by_label("Message").fill("Fixed: the report is attached.")
    agent.get_by_label("Attach files").set_input_files(str(report))
    agent.get_by_role("button", name="Send").click()
    agent.wait_for_load_state()
    assert _thumbnails_loaded(agent)
    agent.screenshot(path=str(SHOTS / "agent-request-desktop.png"), full_page=True)
    agent_phone = browser.new_context(viewport=PHONE, is_mobile=True, storage_state=agent_context.storage_state())
    agent_page = agent_phone.new_page()
    agent_page.goto(f"{portal}/agent/requests/{key}")
    assert agent_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    agent_page.screenshot(path=str(SHOTS / "agent-request-phone.png"), full_page=True)

    bob = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    log_in(bob, portal, "bob@example.com")  # Acme Media, like Alice: the request is shared with it
    bob.goto(f"{portal}/portal/requests/{key}")
    html = bob.content()
    assert all(name in html for name in ("ratings-error.png", "player.log", "fix-report.txt"))
    assert "internal-diagram.png" not in html and "CDN cache; see the diagram" not in html
    assert bob.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert _thumbnails_loaded(bob)
    bob.screenshot(path=str(SHOTS / "request-phone.png"), full_page=True)
    with bob.expect_download() as download:
        bob.locator("#attachments").get_by_role("link", name="player.log").click()
    assert Path(download.value.path()).read_text() == log.read_text()
    png_href = bob.locator("#attachments").get_by_role("link", name="ratings-error.png").get_attribute("href")
    assert bob.request.get(portal + png_href + "/thumbnail").status == 200
    assert bob.request.get(portal + internal_href).status == 404
    assert bob.request.get(portal + internal_href + "/thumbnail").status == 404

    dave = browser.new_context().new_page()
    log_in(dave, portal, "dave@example.com")  # Northwind Radio: not shared with
    assert dave.request.get(portal + png_href).status == 404
    assert dave.request.get(portal + png_href + "/thumbnail").status == 404

    token = httpx.post(f"{portal}/api/identity/login",
                       json={"email": "bob@example.com", "password": "demo-password-1"}).json()["access_token"]
    as_bob = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{portal}/rest/servicedeskapi/request/{key}/attachment", headers=as_bob).json()
    expanded = httpx.get(f"{portal}/rest/servicedeskapi/request/{key}?expand=attachment,comment.attachment",
                         headers=as_bob).text
    assert listed["size"] == 4 and "internal-diagram" not in str(listed) and "internal-diagram" not in expanded

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any("fix-report.txt" in t for t in _emails_to("alice@example.com")):
        time.sleep(0.5)
    mails = _emails_to("alice@example.com") + _emails_to("bob@example.com")
    reply = next(t for t in mails if "fix-report.txt" in t)
    assert re.search(rf"fix-report\.txt \(\d+ bytes\): http://\S+/portal/requests/{key}/attachments/\d+", reply)
    assert not any("internal-diagram" in t for t in mails)
    internal_events = [e for e in _outbox("ticket.attachment_added.v1")
                       if e["key"] == key and not e["public"]]
    assert [a["filename"] for e in internal_events for a in e["attachments"]] == ["internal-diagram.png"]
    assert all(e["audience"]["customers"] == [] for e in internal_events)
