"""An agent's day and a customer's, in Chromium against ``make run``'s one-process mode (issue 12).

Agent: raises two requests on behalf of customers, searches and filters the queue, bulk-assigns
both to themselves, opens one and reads its history, adds a participant, replies, resolves it.
Customer: reads the desk's description, raises a question, gets the "request received" email, filters their
requests by type, switches the interface to German (offered with English, French and Spanish). Screenshots go to
``test-results/screenshots``.
"""
from __future__ import annotations

import re
import uuid

from embedded_portal import (  # noqa: F401 (fixtures)
    DESKTOP, PHONE, SHOTS, browser, log_in, open_newest_mail, portal,
)


def _raise_for(page, base, customer, summary):
    page.goto(f"{base}/agent")
    page.get_by_role("link", name="Raise a request for a customer").click()
    page.get_by_role("link", name="Incident").click()
    page.get_by_label("Raise on behalf of", exact=False).fill(customer)
    page.get_by_label("What do you need?", exact=False).fill(summary)
    page.get_by_label("What happened?", exact=False).fill("Raised by phone.")
    page.get_by_label("Impact").select_option("high")
    page.get_by_role("button", name="Raise request").click()
    page.wait_for_load_state()
    assert "has been raised for" in page.content()
    return re.search(r"/agent/requests/([A-Z]+-\d+)", page.url).group(1)


def _bottom(locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def _aligned(input_locator, button_locator) -> None:
    """A button beside an input sits on its line (their bottoms meet); where the column is too narrow
    it wraps under the input, flush left (issue 12, point 12)."""
    field, button = input_locator.bounding_box(), button_locator.bounding_box()
    if button["y"] >= _bottom(input_locator):
        assert abs(button["x"] - field["x"]) <= 2, (field, button)
    else:
        assert abs(_bottom(input_locator) - _bottom(button_locator)) <= 2, (field, button)


def test_an_agents_day_in_the_console(portal, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, portal, "agent@example.com")

    first = _raise_for(page, portal, "alice@example.com", f"Printer {tag} jammed")
    second = _raise_for(page, portal, "carol@example.com", f"Printer {tag} offline")

    # Search and filter the queue; both requests are there, nobody is assigned.
    page.goto(f"{portal}/agent")
    page.get_by_label("Search (summary or key)").fill(f"printer {tag}")
    page.get_by_label("Assignee").first.select_option("unassigned")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_load_state()
    assert "Requests found: 2" in page.content()
    page.get_by_role("link", name="Reference").click()  # sort by key, ascending
    page.wait_for_load_state()
    rows = page.locator("table.requests tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == [first, second]
    page.screenshot(path=str(SHOTS / "console-queue.png"), full_page=True)

    # Bulk-assign both to me.
    _aligned(page.locator("#bulk-assignee"), page.get_by_role("button", name="Apply to selected"))
    page.get_by_label(f"Select {first}").check()
    page.get_by_label(f"Select {second}").check()
    page.locator("#bulk-assignee").select_option("me")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_load_state()
    assert f"Changed: {first}, {second}." in page.content()
    assert "Requests found: 0" in page.content()  # the unassigned filter stays on

    # Open one: its history, the customer beside it, a participant added, a reply, resolved.
    page.goto(f"{portal}/agent/requests/{first}")
    timeline = page.locator("ol.timeline").inner_text()
    assert "raised the request" in timeline and "assigned the request to" in timeline
    assert "Acme Media" in page.locator("aside").inner_text()
    _aligned(page.locator("#people-query"), page.locator("form.people-search").get_by_role("button", name="Search"))
    page.get_by_label("Add by email address or name").fill("bob@example.com")
    page.get_by_role("button", name="Add participant").click()
    page.wait_for_load_state()
    assert "added Bob" in page.locator("ol.timeline").inner_text()
    page.get_by_label("Message").fill("We replaced the roller; please try again.")
    page.get_by_label("Reply to customer").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    page.locator("#field-transition").select_option(label="Resolve")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    timeline = page.locator("ol.timeline").inner_text()
    assert "We replaced the roller" in timeline
    assert "changed the status from Waiting for customer to Resolved" in timeline
    page.screenshot(path=str(SHOTS / "console-request.png"), full_page=True)

    # A participant removal asks first (here in the browser).
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remove Bob", exact=False).click()
    assert "Bob" in page.locator("#participants").inner_text()
    context.close()


def test_a_customers_day_in_the_portal(portal, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    log_in(page, portal, "dave@example.com")

    # The desk's description (as the API gives it), then a question raised from the portal.
    import httpx

    token = httpx.post(f"{portal}/api/identity/login", json={"email": "dave@example.com",
                                                             "password": "demo-password-1"}).json()["access_token"]
    desks = httpx.get(f"{portal}/rest/servicedeskapi/servicedesk", headers={"Authorization": f"Bearer {token}"}).json()
    radio = next(d for d in desks["values"] if d["projectKey"] == "RA")
    page.get_by_role("link", name="Radio Audience").click()
    # ServiceDeskDTO allows no description: customers read it from the desk's own endpoint.
    description = httpx.get(f"{portal}/api/tickets/desks/{radio['id']}",
                            headers={"Authorization": f"Bearer {token}"}).json()["description"]
    assert description and description in page.locator("main").inner_text()
    page.get_by_role("link", name="Question").click()
    page.get_by_label("What do you need?", exact=False).fill("Which stations are measured?")
    page.get_by_role("button", name="Create").click()
    page.wait_for_load_state()
    key = re.search(r"/portal/requests/([A-Z]+-\d+)", page.url).group(1)
    assert "raised the request" in page.locator("ol.timeline").inner_text()

    # The "request received" email names the request and links to it.
    body = open_newest_mail(page, portal, "dave@example.com", key)
    assert key in body and f"/portal/requests/{key}" in body
    page.goto(f"{portal}/")

    # Filter by request type straight from the list (every desk's types, grouped by desk), then within a desk.
    types = httpx.get(f"{portal}/rest/servicedeskapi/servicedesk/{radio['id']}/requesttype",
                      headers={"Authorization": f"Bearer {token}"}).json()["values"]
    question = next(t for t in types if t["name"] == "Question")
    page.goto(f"{portal}/")
    page.get_by_label("Request type").select_option(f"{radio['id']}:{question['id']}")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert key in page.locator("table.requests").inner_text()
    page.get_by_label("Service desk").select_option(label="Radio Audience")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    page.get_by_label("Request type").select_option(label="Question")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert key in page.locator("table.requests").inner_text()
    page.screenshot(path=str(SHOTS / "portal-filter-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    # Switch the interface language.
    page.goto(f"{portal}/portal/profile")
    options = page.locator("select[name=language] option, input[name=language]")
    languages = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert {"en", "fr", "de", "es"} <= set(languages)
    target = "de"
    chooser = page.locator("select[name=language]")
    if chooser.count():
        chooser.select_option(target)
    else:
        page.locator(f"input[name=language][value={target}]").check()
    page.locator("form", has=page.locator("[name=language]")).get_by_role("button").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == target
    page.screenshot(path=str(SHOTS / f"portal-profile-{target}.png"), full_page=True)
    # Error pages speak the chosen language too, never a service's English.
    missing = page.goto(f"{portal}/portal/requests/RA-99999")
    assert missing.status == 404 and page.locator("html").get_attribute("lang") == target
    assert "does not exist" not in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / f"portal-error-{target}.png"), full_page=True)
    context.close()
