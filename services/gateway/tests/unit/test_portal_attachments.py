"""Files in the portal and the console: uploads with forms, lists, downloads and the body-size limit."""
import io
import json

import httpx

from .conftest import csrf_of, date, log_in

PNG = b"\x89PNG\r\n\x1a\nfake"
ATTACHMENTS = [
    {"id": "7", "filename": "screen.png", "size": 2048, "mimeType": "image/png", "public": True, "commentId": "5",
     "hasThumbnail": True, "author": {"displayName": "Alice"}, "created": date()},
    {"id": "8", "filename": "notes.txt", "size": 10, "mimeType": "text/plain", "public": False, "commentId": None,
     "hasThumbnail": False, "author": {"displayName": "Agent Smith"}, "created": date()},
]


def temporary(request: httpx.Request) -> httpx.Response:
    assert request.headers["X-Atlassian-Token"] == "no-check"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    count = request.content.count(b'name="file"')
    return httpx.Response(201, json={"temporaryAttachments": [
        {"temporaryAttachmentId": f"temp{i}", "fileName": f"f{i}"} for i in range(count)]})


def with_files(tickets):
    tickets.on("POST", "/rest/servicedeskapi/servicedesk/1/attachTemporaryFile", temporary)
    tickets.on("POST", "/rest/servicedeskapi/request/AM-\\d+/attachment", {"attachments": {"values": []}},
               status=201)
    tickets.on("GET", "/api/tickets/requests/AM-1/attachments", {"values": ATTACHMENTS})
    return tickets


def test_the_create_form_uploads_the_files_then_attaches_them_to_the_new_request(client, desk_data):
    _, tickets = desk_data
    with_files(tickets)
    tickets.on("POST", "/rest/servicedeskapi/request", {"issueKey": "AM-2"}, status=201)
    log_in(client)
    form = {"summary": "Broken", "share": "1", "csrf_token": csrf_of(client, "/portal/desks/1/create/10"),
            "attachments": [(io.BytesIO(PNG), "screen.png"), (io.BytesIO(b"log"), "log.txt")]}

    page = client.post("/portal/desks/1/create/10", data=form, content_type="multipart/form-data")

    assert page.status_code == 302 and page.headers["Location"] == "/portal/requests/AM-2"
    uploaded = tickets.last("/attachTemporaryFile").content
    assert b'filename="screen.png"' in uploaded and PNG in uploaded and b'filename="log.txt"' in uploaded
    assert tickets.json_of("/request/AM-2/attachment") == {
        "temporaryAttachmentIds": ["temp0", "temp1"], "public": True, "additionalComment": {"body": None}}


def test_a_refused_file_keeps_the_form_and_creates_nothing(client, desk_data):
    _, tickets = desk_data
    tickets.on("POST", "/rest/servicedeskapi/servicedesk/1/attachTemporaryFile",
               {"errorMessage": "'big.iso' is 3 GB, larger than the 25 MB limit per file."}, status=413)
    log_in(client)
    form = {"summary": "Broken", "share": "1", "csrf_token": csrf_of(client, "/portal/desks/1/create/10"),
            "attachments": [(io.BytesIO(b"x" * 10), "big.iso")]}

    page = client.post("/portal/desks/1/create/10", data=form, content_type="multipart/form-data")

    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "larger than the 25 MB limit per file" in html
    assert 'id="error-attachments"' in html and 'value="Broken"' in html
    assert not [r for r in tickets.requests if r.method == "POST" and r.url.path == "/rest/servicedeskapi/request"]


def test_a_comment_with_files_is_one_attach_call_with_the_comment(client, desk_data):
    _, tickets = desk_data
    with_files(tickets)
    log_in(client)
    form = {"body": "Here is the log", "csrf_token": csrf_of(client, "/portal/requests/AM-1"),
            "attachments": [(io.BytesIO(b"log"), "log.txt")]}

    page = client.post("/portal/requests/AM-1/comment", data=form, content_type="multipart/form-data")

    assert page.status_code == 302
    assert tickets.json_of("/request/AM-1/attachment") == {
        "temporaryAttachmentIds": ["temp0"], "public": True, "additionalComment": {"body": "Here is the log"}}
    assert not [r for r in tickets.requests if r.method == "POST" and r.url.path.endswith("/comment")]


def test_an_agent_attaches_files_to_an_internal_note(client, desk_data):
    _, tickets = desk_data
    with_files(tickets)
    tickets.on("GET", "/api/tickets/desks/1/agents", {"values": []})
    log_in(client, "agent@example.com")
    form = {"body": "for the team", "visibility": "internal", "csrf_token": csrf_of(client, "/agent/requests/AM-1"),
            "attachments": [(io.BytesIO(b"trace"), "trace.txt")]}

    page = client.post("/agent/requests/AM-1/comment", data=form, content_type="multipart/form-data")

    assert page.status_code == 302
    assert tickets.json_of("/request/AM-1/attachment")["public"] is False


def test_request_pages_list_files_with_thumbnails_and_mark_internal_ones_for_agents(client, desk_data):
    _, tickets = desk_data
    with_files(tickets)
    tickets.on("GET", "/api/tickets/desks/1/agents", {"values": []})
    log_in(client, "agent@example.com")

    console = client.get("/agent/requests/AM-1").get_data(as_text=True)
    portal = client.get("/portal/requests/AM-1").get_data(as_text=True)

    for html in (console, portal):
        assert 'href="/portal/requests/AM-1/attachments/7"' in html
        assert 'src="/portal/requests/AM-1/attachments/7/thumbnail"' in html
        assert "2 kB" in html and "Alice" in html and 'enctype="multipart/form-data"' in html
        assert 'type="file" multiple' in html
    assert "Internal, not visible to the customer" in console
    assert console.count("screen.png") >= 2  # in the list and under its comment


def test_downloads_stream_the_file_with_the_services_safe_headers(client, desk_data):
    _, tickets = desk_data
    headers = {"Content-Type": "application/octet-stream", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": "attachment; filename=\"a.html\"; filename*=UTF-8''a.html",
               "Content-Security-Policy": "default-src 'none'; sandbox", "Set-Cookie": "leak=1"}
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/attachment/7",
               lambda request: httpx.Response(200, content=b"<html>", headers=headers))
    tickets.on("GET", "/rest/servicedeskapi/request/AM-1/attachment/9",
               {"errorMessage": "Attachment '9' does not exist"}, status=404)
    log_in(client)

    file = client.get("/portal/requests/AM-1/attachments/7")
    missing = client.get("/portal/requests/AM-1/attachments/9")

    assert file.status_code == 200 and file.data == b"<html>"
    assert file.headers["Content-Disposition"].startswith("attachment;")
    assert file.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert file.headers["X-Content-Type-Options"] == "nosniff" and "leak=1" not in str(file.headers)
    assert tickets.last("/attachment/7").headers["Authorization"].startswith("Bearer ")
    assert missing.status_code == 404 and "does not exist" in missing.get_data(as_text=True)


def test_a_body_past_the_gateway_limit_is_refused_naming_the_limit(app, client, desk_data):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    log_in(client)
    api = client.post("/rest/servicedeskapi/servicedesk/1/attachTemporaryFile", data=b"x" * 2048,
                      headers={"Content-Type": "multipart/form-data; boundary=b"})
    page = client.post("/portal/requests/AM-1/comment", data=b"x" * 2048,
                       headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert api.status_code == 413 and "larger than the 1 KB this server accepts" in json.loads(api.data)["errorMessage"]
    assert page.status_code == 413 and "larger than the 1 KB" in page.get_data(as_text=True)


def test_the_default_limit_lets_the_largest_allowed_upload_through(settings):
    # tickets accepts uploads of up to ATTACHMENT_MAX_REQUEST_SIZE (100 MB) plus 1 MB of form.
    assert settings.max_body_bytes >= 101 * 1024 * 1024
