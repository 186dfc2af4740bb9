"""Attachments through the JSM API: uploads, attaching, lists, downloads, limits and expiry."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest

from tickets.attachments.sweeper import Sweeper

from .attachments_helpers import (
    API, XSRF, add_files, attach, content_path, png, png_bomb, raw_upload, temporary_ids, upload,
)
from .conftest import outbox_events


@pytest.fixture
def limits(app):
    """Change the app's limits for one test."""
    files = app.extensions["tickets.files"]

    def change(**values):
        app.extensions["tickets.files"] = dataclasses.replace(files, limits=dataclasses.replace(files.limits, **values))

    yield change
    app.extensions["tickets.files"] = files


def test_a_customer_uploads_attaches_with_a_comment_and_downloads(api, person):
    alice = person()
    key = api.create(alice).json["issueKey"]
    ids = temporary_ids(upload(api, alice, ("screen.png", png(), "text/plain"), ("log.txt", b"line 1\nline 2\n")))
    assert all(i.startswith("temp") and len(i) > 30 for i in ids)

    result = attach(api, alice, key, ids, comment="Screenshot and log attached")
    assert result.status_code == 201, result.json
    body = result.json
    assert body["comment"]["body"] == "Screenshot and log attached" and body["comment"]["public"] is True
    assert [a["filename"] for a in body["comment"]["attachments"]["values"]] == ["screen.png", "log.txt"]
    shot, log = body["attachments"]["values"]
    # The type comes from the bytes: the client called the PNG text/plain.
    assert (shot["mimeType"], shot["size"]) == ("image/png", len(png()))
    assert log["mimeType"] == "text/plain" and "thumbnail" not in log["_links"]
    assert shot["author"]["accountId"] == alice.id

    listed = api.get(f"{API}/request/{key}/attachment", alice).json
    assert [a["filename"] for a in listed["values"]] == ["screen.png", "log.txt"]
    comment_id = body["comment"]["id"]
    assert api.get(f"{API}/request/{key}/comment/{comment_id}/attachment", alice).json["size"] == 2

    image = api.get(content_path(shot), alice)
    assert image.status_code == 200 and image.data == png()
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline;")  # an image we rendered as a thumbnail
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    thumb = api.get(content_path(shot) + "/thumbnail", alice)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/png"
    assert thumb.data.startswith(b"\x89PNG")
    text = api.get(content_path(log), alice)
    assert text.data == b"line 1\nline 2\n" and text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.headers["Content-Disposition"].startswith("attachment;")
    assert api.get(content_path(log) + "/thumbnail", alice).status_code == 404
    # Temporary files are used up.
    assert attach(api, alice, key, ids).status_code == 400


def test_attachments_come_with_the_request_and_comment_expansions(api, person):
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    add_files(api, alice, key, ("a.png", png()))
    add_files(api, agent, key, ("note.txt", b"internal"), public=False, comment="internal note")
    add_files(api, agent, key, ("reply.txt", b"public"), comment="reply")

    mine = api.get(f"{API}/request/{key}?expand=attachment,comment.attachment,action", alice).json
    assert [a["filename"] for a in mine["attachments"]["values"]] == ["a.png", "reply.txt"]
    assert [c["body"] for c in mine["comments"]["values"]] == ["reply"]
    assert [a["filename"] for a in mine["comments"]["values"][0]["attachments"]["values"]] == ["reply.txt"]
    assert mine["actions"]["addAttachment"] == {"allowed": True}
    theirs = api.get(f"{API}/request/{key}?expand=attachment", agent).json
    assert [a["filename"] for a in theirs["attachments"]["values"]] == ["a.png", "note.txt", "reply.txt"]
    listed = api.get(f"{API}/request?expand=attachment", alice).json["values"][0]
    assert len(listed["attachments"]["values"]) == 2
    comments = api.get(f"{API}/request/{key}/comment?expand=attachment", agent).json["values"]
    assert [[a["filename"] for a in c["attachments"]["values"]] for c in comments] == [["note.txt"], ["reply.txt"]]
    native = api.get(f"/api/tickets/requests/{key}/attachments", agent).json["values"]
    assert [(a["filename"], a["public"], a["hasThumbnail"]) for a in native] == [
        ("a.png", True, True), ("note.txt", False, False), ("reply.txt", True, False)]


def test_the_uploaded_name_is_made_safe_and_sent_back_per_rfc_6266(api, person):
    alice = person()
    key = api.create(alice).json["issueKey"]
    hostile = "..\\..\\etc/evil\r\nSet-Cookie: x=1\r\n\"quarterly report\" é 报告.txt"
    # RFC 2231's filename* carries every character, CR and LF included, past the multipart parser.
    sent = raw_upload(api, alice, f"filename*=UTF-8''{quote(hostile, safe='')}", b"figures")
    dto = attach(api, alice, key, temporary_ids(sent)).json["attachments"]["values"][0]
    assert dto["filename"] == "evil" + "Set-Cookie: x=1" + "\"quarterly report\" é 报告.txt"
    response = api.get(content_path(dto), alice)
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert disposition.startswith('attachment; filename="evilSet-Cookie: x=1_quarterly report_ e .txt"')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == dto["filename"]
    assert "/" not in dto["filename"] and "\\" not in dto["filename"]


def test_active_content_is_downloaded_as_opaque_bytes(api, person):
    alice = person()
    key = api.create(alice).json["issueKey"]
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    dto = add_files(api, alice, key, ("invoice.pdf", page, "application/pdf"))["attachments"]["values"][0]
    assert dto["mimeType"] == "text/html"  # what the bytes are, not what the name or client said
    response = api.get(content_path(dto), alice)
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_limits_are_refused_naming_the_limit(api, person, limits):
    alice = person()
    key = api.create(alice).json["issueKey"]
    limits(max_file_bytes=1000, max_request_bytes=1500, max_files=2)
    too_big = upload(api, alice, ("big.bin", b"x" * 1001))
    assert too_big.status_code == 413
    assert "larger than the 1000 bytes limit per file" in too_big.json["errorMessage"]
    body = upload(api, alice, ("a", b"x"), ("b", b"x"), ("c", b"x"))
    assert body.status_code == 413 and "at most 2 are accepted" in body.json["errorMessage"]
    assert upload(api, alice, ("empty.txt", b"")).status_code == 400
    first = temporary_ids(upload(api, alice, ("one.bin", b"1" * 900)))
    assert attach(api, alice, key, first).status_code == 201
    second = temporary_ids(upload(api, alice, ("two.bin", b"2" * 900)))
    over = attach(api, alice, key, second)
    assert over.status_code == 400 and "may add up to 1.5 KB" in over.json["errorMessage"]
    small = temporary_ids(upload(api, alice, ("s1", b"1"), ("s2", b"2")))
    count = attach(api, alice, key, small)
    assert count.status_code == 400 and "at most 2 attachments" in count.json["errorMessage"]


def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(api, person, limits):
    alice = person()
    limits(max_file_bytes=1000, max_request_bytes=1000)
    response = api.client.post(f"{API}/servicedesk/1/attachTemporaryFile", data=b"x" * (3 * 1024 * 1024),
                               headers={**alice.headers, **XSRF, "Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413 and "An upload may carry at most" in response.json["errorMessage"]


def test_a_decompression_bomb_is_refused_and_nothing_is_stored(api, app, person):
    alice = person()
    response = upload(api, alice, ("innocent.png", png_bomb()))
    assert response.status_code == 400
    assert "has 1,600,000,000 pixels" in response.json["errorMessage"]
    assert "at most 50,000,000 pixels" in response.json["errorMessage"]
    engine = app.extensions["tickets.engine"]
    with engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM temporary_attachments")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM attachment_blobs")).scalar() == 0


def test_uploads_need_the_xsrf_header_and_a_usable_desk(api, person):
    alice = person()
    assert upload(api, alice, ("a.txt", b"a"), headers={}).status_code == 403
    assert upload(api, alice, ("a.txt", b"a"), desk="999").status_code == 404
    missing = api.client.post(f"{API}/servicedesk/1/attachTemporaryFile", data={"other": "x"},
                              headers={**alice.headers, **XSRF}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "multipart field 'file'" in missing.json["errorMessage"]
    assert api.client.post(f"{API}/servicedesk/1/attachTemporaryFile").status_code == 401


def test_temporary_files_belong_to_their_uploader_and_desk(api, person):
    alice, bob, agent = person(), person(), person(role="agent")
    key = api.create(alice, requestParticipants=[bob.email]).json["issueKey"]
    ids = temporary_ids(upload(api, alice, ("a.txt", b"a")))
    refused = attach(api, bob, key, ids)
    assert refused.status_code == 400 and ids[0] in refused.json["errorMessage"]
    on_tv = temporary_ids(upload(api, alice, ("b.txt", b"b"), desk="2"))
    assert attach(api, alice, key, on_tv).status_code == 400
    assert attach(api, alice, key, ids, public=False).status_code == 403  # customers: public only
    assert attach(api, agent, key, temporary_ids(upload(api, agent, ("n.txt", b"n"))), public=False).status_code == 201
    no_public = api.post(f"{API}/request/{key}/attachment", alice, {"temporaryAttachmentIds": ids})
    assert no_public.status_code == 400 and "public" in no_public.json["errorMessage"]


def test_temporary_files_expire_and_the_sweeper_removes_them(api, app, person):
    alice = person()
    key = api.create(alice).json["issueKey"]
    ids = temporary_ids(upload(api, alice, ("late.png", png())))
    files = app.extensions["tickets.files"]
    engine = app.extensions["tickets.engine"]
    from sqlalchemy import text

    with engine.connect() as conn:
        blobs = conn.execute(text("SELECT blob_id, thumbnail_blob_id FROM temporary_attachments")).one()
        conn.execute(text("UPDATE temporary_attachments SET expires_at = now() - interval '1 second'"))
        conn.commit()
    late = attach(api, alice, key, ids)
    assert late.status_code == 400 and "expired" in late.json["errorMessage"]
    fresh = temporary_ids(upload(api, alice, ("fresh.txt", b"still wanted")))
    sweeper = Sweeper(app.extensions["tickets.uow_factory"], files, batch=1)
    assert sweeper.run_once() == 1
    assert not any(files.storage.exists(b) for b in blobs)
    assert attach(api, alice, key, fresh).status_code == 201  # the unexpired one was left alone
    later = Sweeper(app.extensions["tickets.uow_factory"], files,
                    clock=lambda: __import__("common.events").events.utc_now() + timedelta(hours=2))
    assert later.run_once() == 0  # attached files are no longer temporary


def test_attaching_publishes_one_event_with_names_and_sizes_never_content(api, app, person):
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    add_files(api, alice, key, ("a.png", png()), comment="see picture")
    events = {e["routing_key"]: e for e in outbox_events(app)}
    added = events["ticket.attachment_added.v1"]["data"]
    assert added["public"] is True and added["commentId"]
    assert [(a["filename"], a["size"], a["mimeType"]) for a in added["attachments"]] == [
        ("a.png", len(png()), "image/png")]
    assert added["audience"]["customers"] == [] and alice.id not in added["audience"]["agents"]
    commented = events["ticket.commented.v1"]["data"]
    assert [a["filename"] for a in commented["attachments"]] == ["a.png"]
    assert "blob" not in str(events) and "iVBOR" not in str(events)


def test_history_never_shows_an_internal_attachment_to_a_customer(api, person):
    alice, agent = person(), person(role="agent")
    key = api.create(alice).json["issueKey"]
    add_files(api, agent, key, ("secret-plan.txt", b"x"), public=False)
    add_files(api, agent, key, ("public.txt", b"y"))
    mine = [e["field"] for e in api.get(f"/api/tickets/requests/{key}/history", alice).json["values"]
            if e["kind"] == "attachment"]
    assert mine == ["public.txt"]
    theirs = [e["field"] for e in api.get(f"/api/tickets/requests/{key}/history", agent).json["values"]
              if e["kind"] == "attachment"]
    assert theirs == ["secret-plan.txt", "public.txt"]
