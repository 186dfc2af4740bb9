"""The proxy over real sockets (its keep-alive pool), against a small HTTP/1.1 server on loopback.

The other proxy tests inject httpx transports (the path ``make run`` takes); these cover the path
every deployment takes, with the same expectations.
"""
from __future__ import annotations

import gzip
import json
import threading

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from common.testing import free_port
from gateway.app import create_app
from gateway.settings import Settings

BIG = bytes(range(256)) * 800  # 200 KB: more than one chunk, streamed


class Upstream(BaseHTTPRequestHandler):
    """Records what it got (method, path, query, headers, body, client port) and answers per path."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the services' gunicorn answers
    got: list[dict]

    def _answer(self):
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.got.append({"method": self.command, "path": path, "query": query.encode(), "headers": self.headers,
                         "body": body, "client_port": self.client_address[1]})
        status, headers, content = 200, [("Content-Type", "application/json")], json.dumps({"size": len(body)}).encode()
        if path.endswith("/big"):
            headers, content = [("Content-Type", "application/octet-stream")], BIG
        elif path.endswith("/gzip"):
            headers.append(("Content-Encoding", "gzip"))
            content = gzip.compress(b'{"values": []}' * 100)
        elif path.endswith("/hop"):
            headers += [("Connection", "X-Secret-Hop"), ("X-Secret-Hop", "1"), ("X-Kept", "yes"),
                        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        elif path.endswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"abc", BIG, b"end"):
                self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        elif path.endswith("/drop"):
            self.close_connection = True  # closed without an answer, as a worker that died would
            return
        elif self.command == "POST":
            status = 201
        if path.endswith("/closing"):
            self.close_connection = True  # answered, then closed while the gateway keeps it idle
        self.send_response(status)
        for name, value in [*headers, ("Content-Length", str(len(content)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    handler = type("Recording", (Upstream,), {"got": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"
    yield handler
    server.shutdown()
    server.server_close()


def _gateway(identity, tickets_url: str):
    return _app(identity, tickets_url).test_client()


def _app(identity, tickets_url: str):
    settings = Settings(identity_url="http://identity.test", tickets_url=tickets_url, secret_key="test-secret",
                        public_url="http://portal.test", session_cookie_secure=False)
    return create_app(settings, transports={"identity": identity.transport()})


def test_method_query_body_status_and_headers_pass_through(identity, upstream):
    client = _gateway(identity, upstream.url)

    answer = client.post("/rest/servicedeskapi/request?expand=status&x=1&x=2", data='{"summary": "é"}'.encode(),
                         headers={"Content-Type": "application/json", "Authorization": "Bearer abc",
                                  "Accept-Language": "fr-FR", "X-Request-ID": "req-42", "Cookie": "sd_session=s"})

    assert answer.status_code == 201 and answer.get_json() == {"size": len('{"summary": "é"}'.encode())}
    assert answer.headers["X-Request-ID"] == "req-42"
    got = upstream.got[-1]
    assert (got["method"], got["path"], got["query"]) == ("POST", "/rest/servicedeskapi/request",
                                                          b"expand=status&x=1&x=2")
    assert json.loads(got["body"]) == {"summary": "é"}
    headers = got["headers"]
    assert headers["Authorization"] == "Bearer abc" and headers["Accept-Language"] == "fr-FR"
    assert headers["X-Request-ID"] == "req-42" and headers["X-Forwarded-For"] == "127.0.0.1"
    assert "Cookie" not in headers


def test_hop_by_hop_headers_are_dropped_both_ways_and_repeated_ones_kept(identity, upstream):
    client = _gateway(identity, upstream.url)

    answer = client.get("/rest/servicedeskapi/hop", headers={"Connection": "keep-alive, X-Client-Hop",
                                                             "X-Client-Hop": "1", "TE": "trailers",
                                                             "Proxy-Authorization": "Basic eA=="})

    sent = {k.lower() for k in upstream.got[-1]["headers"]}
    assert not sent & {"te", "proxy-authorization", "x-client-hop"}
    assert "X-Secret-Hop" not in answer.headers and answer.headers["X-Kept"] == "yes"
    assert answer.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_encoded_and_large_bodies_pass_unchanged_both_ways(identity, upstream):
    client = _gateway(identity, upstream.url)

    zipped = client.get("/rest/servicedeskapi/gzip")
    big = client.get("/rest/servicedeskapi/big")
    upload = client.post("/rest/servicedeskapi/upload", data=BIG, headers={"Content-Type": "application/octet-stream"})

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == b'{"values": []}' * 100
    assert big.data == BIG
    big.close()
    assert upload.get_json() == {"size": len(BIG)} and upstream.got[-1]["body"] == BIG


@pytest.mark.parametrize("auth", [{"Authorization": "Bearer abc"}, {}])
def test_connections_are_kept_alive_between_requests(identity, upstream, auth):
    client = _gateway(identity, upstream.url)

    for _ in range(3):
        assert client.get("/rest/servicedeskapi/info", headers=auth).status_code == 200
    streamed = client.get("/rest/servicedeskapi/big", headers=auth)
    assert streamed.data == BIG
    streamed.close()  # what the server does once it has written the answer
    client.get("/rest/servicedeskapi/info", headers=auth)

    assert len({got["client_port"] for got in upstream.got}) == 1


@pytest.mark.parametrize("auth", [{"Authorization": "Bearer abc"}, {}])
def test_a_streamed_answer_the_client_left_closes_its_upstream_connection(identity, upstream, auth):
    client = _gateway(identity, upstream.url)

    streamed = client.get("/rest/servicedeskapi/big", headers=auth, buffered=False)
    assert next(iter(streamed.response)) == BIG[:64 * 1024]
    streamed.close()  # the client went away after the first piece
    assert client.get("/rest/servicedeskapi/info", headers=auth).status_code == 200

    assert len({got["client_port"] for got in upstream.got}) == 2


def test_a_base_url_with_a_path_keeps_it(identity, upstream):
    client = _gateway(identity, upstream.url + "/behind/")

    client.get("/api/tickets/queues?serviceDeskId=1")

    assert upstream.got[-1]["path"] == "/behind/api/tickets/queues"


def test_an_upstream_that_is_down_answers_503_in_the_jsm_shape(identity):
    client = _gateway(identity, f"http://127.0.0.1:{free_port()}")

    answer = client.get("/rest/servicedeskapi/request")

    assert answer.status_code == 503
    assert "tickets service is unavailable" in answer.get_json()["errorMessage"]
    assert answer.headers["Retry-After"]


def test_a_chunked_answer_streams_through_unchanged(identity, upstream):
    client = _gateway(identity, upstream.url)

    answer = client.get("/rest/servicedeskapi/chunked", headers={"Authorization": "Bearer abc"})

    assert answer.status_code == 200 and answer.data == b"abc" + BIG + b"end"
    assert "Transfer-Encoding" not in answer.headers and answer.headers["Content-Type"] == "text/plain"
    answer.close()


@pytest.mark.parametrize("auth", [{"Authorization": "Bearer abc"}, {}])
def test_a_post_after_the_upstream_closed_the_idle_connection_is_sent_once_and_answered(identity, upstream, auth):
    app = _app(identity, upstream.url)
    client = app.test_client()
    assert client.post("/rest/servicedeskapi/closing", data=b"1", headers=auth).status_code == 201
    idle = app.extensions["gateway.upstreams"].forwarder("tickets")._idle
    for _ in range(1000):
        if idle and idle[-1].dropped():
            break
        threading.Event().wait(0.005)

    answer = client.post("/rest/servicedeskapi/request", data=b"2", headers=auth)

    assert answer.status_code == 201
    assert [got["body"] for got in upstream.got] == [b"1", b"2"]
    assert len({got["client_port"] for got in upstream.got}) == 2


@pytest.mark.parametrize("auth", [{"Authorization": "Bearer abc"}, {}])
def test_a_post_whose_connection_breaks_before_the_answer_answers_503_and_is_not_sent_again(identity, upstream, auth):
    client = _gateway(identity, upstream.url)

    answer = client.post("/rest/servicedeskapi/drop", data=b"{}", headers=auth)

    assert answer.status_code == 503 and "tickets service is unavailable" in answer.get_json()["errorMessage"]
    assert len(upstream.got) == 1


def test_a_get_whose_connection_breaks_before_the_answer_is_asked_once_more(identity, upstream):
    client = _gateway(identity, upstream.url)

    answer = client.get("/rest/servicedeskapi/drop", headers={"Authorization": "Bearer abc"})

    assert answer.status_code == 503 and len(upstream.got) == 2
