"""The attachment rows of the visibility truth table, on every path that shows, lists or counts a file."""
from __future__ import annotations

import pytest

from tickets.domain.visibility import ATTACHMENT_CASES

from .attachments_helpers import API, add_files, content_path, png
from .conftest import outbox_events
from .test_visibility import build_case


@pytest.mark.parametrize("case", ATTACHMENT_CASES, ids=lambda c: c.name)
def test_every_attachment_path_follows_the_truth_table(case, api, app, person, organizations):
    viewer, key = build_case(case, api, person, organizations)
    agent = person(role="agent")
    result = add_files(api, agent, key, ("shot.png", png()), public=not case.internal, comment="with a file")
    dto = result["attachments"]["values"][0]
    comment_id = result["comment"]["id"]
    path = content_path(dto)
    seen = case.visible

    assert api.get(path, viewer).status_code == (200 if seen else 404)
    assert api.get(path + "/thumbnail", viewer).status_code == (200 if seen else 404)
    listing = api.get(f"{API}/request/{key}/attachment", viewer)
    native = api.get(f"/api/tickets/requests/{key}/attachments", viewer)
    on_comment = api.get(f"{API}/request/{key}/comment/{comment_id}/attachment", viewer)
    expanded = api.get(f"{API}/request/{key}?expand=attachment,comment.attachment", viewer)
    comments = api.get(f"{API}/request/{key}/comment?expand=attachment", viewer)
    if not seen and listing.status_code == 404:
        # The request itself is hidden: every path is a 404, as for a request that does not exist.
        assert {r.status_code for r in (native, on_comment, expanded, comments)} == {404}
        return
    names = lambda page: [a["filename"] for a in page["values"]]  # noqa: E731
    assert (names(listing.json) == ["shot.png"]) is seen and (listing.json["size"] == 1) is seen
    assert ([a["filename"] for a in native.json["values"]] == ["shot.png"]) is seen
    assert on_comment.status_code == (200 if seen else 404)  # an internal note is a 404 for customers
    assert (names(expanded.json["attachments"]) == ["shot.png"]) is seen
    assert bool(expanded.json["comments"]["values"]) is seen
    assert bool(comments.json["values"]) is seen
    history = [e for e in api.get(f"/api/tickets/requests/{key}/history", viewer).json["values"]
               if e["kind"] == "attachment"]
    assert bool(history) is seen
    # Events: an internal attachment's audience has no customers at all.
    added = [e["data"] for e in outbox_events(app) if e["routing_key"] == "ticket.attachment_added.v1"]
    assert added and all((e["audience"]["customers"] == []) for e in added if not e["public"])
    if case.internal:
        assert viewer.id not in added[-1]["audience"]["customers"]
