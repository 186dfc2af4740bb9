"""Large uploads and downloads pass through the gateway in chunks, never whole in memory."""
import tempfile
import tracemalloc

import httpx

from gateway.app import create_app

SIZE = 48 * 1024 * 1024
CHUNK = 64 * 1024


class Upstream(httpx.BaseTransport):
    """A tickets service that reads uploads chunk by chunk and answers downloads as a generated stream.

    (httpx's MockTransport reads every request body whole first, which is what this test must rule out.)
    """

    def __init__(self):
        self.received = 0
        self.largest_chunk = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            for chunk in request.stream:
                self.received += len(chunk)
                self.largest_chunk = max(self.largest_chunk, len(chunk))
            return httpx.Response(201, json={"temporaryAttachments": []})
        return httpx.Response(200, headers={"Content-Type": "application/octet-stream",
                                            "Content-Length": str(SIZE)},
                              stream=_Generated())


class _Generated(httpx.SyncByteStream):
    def __iter__(self):
        block = b"\0" * CHUNK
        for _ in range(SIZE // CHUNK):
            yield block


def test_a_large_upload_and_download_stream_through_the_proxy(settings, identity):
    upstream = Upstream()
    app = create_app(settings, transports={"identity": identity.transport(),
                                           "tickets": upstream})
    client = app.test_client()
    with tempfile.TemporaryFile() as body:
        body.truncate(SIZE)  # a sparse file: the upload comes from disk, not from this test's memory
        body.seek(0)
        tracemalloc.start()
        try:
            sent = client.post("/rest/servicedeskapi/servicedesk/1/attachTemporaryFile", input_stream=body,
                               headers={"Content-Type": "multipart/form-data; boundary=b",
                                        "Content-Length": str(SIZE), "Authorization": "Bearer t"})
            got = client.get("/rest/servicedeskapi/request/AM-1/attachment/1", headers={"Authorization": "Bearer t"},
                             buffered=False)
            received = sum(len(chunk) for chunk in got.response)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert sent.status_code == 201 and upstream.received == SIZE and upstream.largest_chunk <= CHUNK
    assert got.status_code == 200 and received == SIZE
    # 48 MB went each way; the proxy never held more than a few chunks of it.
    assert peak < 4 * 1024 * 1024, f"peak traced memory {peak} bytes"
    print(f"proxied {SIZE} bytes each way, peak traced memory {peak} bytes")
