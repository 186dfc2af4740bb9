"""The proxy's keep-alive client against a scripted HTTP/1.1 server on 127.0.0.1.

The server records every request's bytes and the connection it came on, and answers each from a
script: bytes to send, or to close the connection (FIN or RST) without an answer, or never to
answer. What each test expects is what the urllib3 pool the client replaced did.
"""
from __future__ import annotations

import socket
import struct
import threading
import time

import pytest
import urllib3

from gateway.forward import CHUNK, UpstreamFailed
from gateway.keepalive import KeepAliveForwarder, encode_target

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
FIN, RST, HANG = "fin", "rst", "hang"
HEADERS = {"Accept": "application/json", "Authorization": "Bearer t", "X-Request-ID": "r1"}


class Scripted:
    """Answers request n with ``script[n]`` (the last entry repeats); ``(bytes, FIN)`` answers, then closes;
    a list of bytes is sent piece by piece."""

    def __init__(self, script):
        self.script, self.got, self.closed = list(script), [], threading.Event()
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn, number):
        try:
            self._answer(conn, number)
        except OSError:
            pass  # the client went away (closed with data unread: a reset)

    def _answer(self, conn, number):
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                          if line.startswith(b"content-length:")]
                if length:
                    while len(buf) < length[0]:
                        buf += conn.recv(65536)
                    body, buf = buf[:length[0]], buf[length[0]:]
                elif b"transfer-encoding: chunked" in head.lower():
                    while not buf.endswith(b"0\r\n\r\n"):
                        buf += conn.recv(65536)
                    body, buf = buf, b""
                else:
                    body = b""
                self.got.append((number, head + b"\r\n\r\n" + body))
                action = self.script[min(len(self.got), len(self.script)) - 1]
                then = None
                if isinstance(action, tuple):
                    action, then = action
                if action == HANG:
                    self._stop.wait()
                    return
                if action == RST:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                if action in (FIN, RST):
                    self.closed.set()
                    return
                if isinstance(action, list):  # pieces, each in its own packet
                    for piece in action[:-1]:
                        conn.sendall(piece)
                        time.sleep(0.02)
                    action = action[-1]
                conn.sendall(action)
                if then == FIN:
                    self.closed.set()
                    return

    def requests(self) -> list[bytes]:
        return [raw for _number, raw in self.got]

    def stop(self):
        self._stop.set()
        self._server.close()


@pytest.fixture
def upstream(request):
    servers = []

    def start(*script, timeout: float = 5.0, prefix: str = ""):
        server = Scripted(script)
        servers.append(server)
        server.forwarder = KeepAliveForwarder(server.url + prefix, timeout=timeout)
        return server

    yield start
    for server in servers:
        server.forwarder.close()
        server.stop()


def _wait_dropped(forwarder: KeepAliveForwarder) -> None:
    # The upstream's FIN reaches the idle socket at once on loopback; the test waits until it has.
    idle = forwarder._idle[-1]
    for _ in range(1000):
        if idle.dropped():
            return
        threading.Event().wait(0.005)
    raise AssertionError("the closed connection never read as closed")


def test_the_request_head_is_written_as_urllib3_wrote_it(upstream):
    server = upstream(OK)
    fw = server.forwarder

    fw.send("GET", "/rest/x?limit=50", dict(HEADERS), None).read()
    fw.send("POST", "/rest/x", {**HEADERS, "Content-Type": "application/json", "Content-Length": "2"}, b"{}").read()
    fw.send("POST", "/rest/x", {"User-Agent": "curl/8", "Accept-Encoding": "gzip"}, None).read()
    fw.send("PUT", "/rest/x", {}, b"abc").read()

    host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
    agent = f"User-Agent: python-urllib3/{urllib3.__version__}\r\n".encode()
    assert server.requests() == [
        b"GET /rest/x?limit=50 HTTP/1.1\r\n" + host + b"Accept-Encoding: identity\r\n" + agent
        + b"Accept: application/json\r\nAuthorization: Bearer t\r\nX-Request-ID: r1\r\n\r\n",
        b"POST /rest/x HTTP/1.1\r\n" + host + b"Accept-Encoding: identity\r\n" + agent
        + b"Accept: application/json\r\nAuthorization: Bearer t\r\nX-Request-ID: r1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /rest/x HTTP/1.1\r\n" + host
        + b"Content-Length: 0\r\nUser-Agent: curl/8\r\nAccept-Encoding: gzip\r\n\r\n",
        b"PUT /rest/x HTTP/1.1\r\n" + host + b"Accept-Encoding: identity\r\nContent-Length: 3\r\n" + agent + b"\r\nabc",
    ]
    assert server.connections == 1


def test_a_body_read_as_it_goes_is_sent_chunked_unless_its_length_is_known(upstream):
    server = upstream(OK)

    server.forwarder.send("PUT", "/u", {}, iter([b"ab", b"", b"cde"])).read()
    server.forwarder.send("PUT", "/u", {"Content-Length": "5"}, iter([b"ab", b"cde"])).read()

    chunked, sized = server.requests()
    assert b"Transfer-Encoding: chunked\r\n" in chunked
    assert chunked.endswith(b"\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")
    assert b"Transfer-Encoding" not in sized and sized.endswith(b"Content-Length: 5\r\n\r\nabcde")


@pytest.mark.parametrize("target, sent", [
    ("/rest/x?q=caf%c3%a9&a=%2F", "/rest/x?q=caf%C3%A9&a=%2F"),
    ("/rest/x?q=100%", "/rest/x?q=100%25"),
    ("/rest/x?a=%20&q=100%", "/rest/x?a=%2520&q=100%25"),
    ("/rest/x?x=[1]&y={2}|^`\"<>", "/rest/x?x=%5B1%5D&y=%7B2%7D%7C%5E%60%22%3C%3E"),
    ("/rest/x?q=\u00e9", "/rest/x?q=%C3%A9"),
    ("/rest/x?a=b?c/d:e@f!$&'()*+,;=~", "/rest/x?a=b?c/d:e@f!$&'()*+,;=~"),
    ("/rest/x?q=a#frag", "/rest/x?q=a"),
])
def test_the_target_is_percent_encoded_by_urllib3s_rules(target, sent):
    assert encode_target(target) == sent


def test_a_base_url_path_prefixes_the_target(upstream):
    server = upstream(OK, prefix="/behind/")

    server.forwarder.send("GET", "/api/x?a=1", {}, None).read()

    assert server.requests()[0].startswith(b"GET /behind/api/x?a=1 HTTP/1.1\r\n")


def test_a_header_value_that_breaks_the_line_is_refused_as_http_client_refused_it(upstream):
    server = upstream(OK)

    with pytest.raises(ValueError):
        server.forwarder.send("GET", "/x", {"Accept": "a\r\nInjected: 1"}, None)
    server.forwarder.send("GET", "/x", {"Accept": "a\r\n\tfolded"}, None).read()

    assert len(server.requests()) == 1 and b"Accept: a\r\n\tfolded\r\n" in server.requests()[0]


def test_answer_headers_are_read_and_grouped_as_before(upstream):
    server = upstream(b"HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nX-A:   lead, trail  \r\nset-cookie: b=2\r\n"
                      b"X-Empty:\r\nX-Folded: one\r\n  two\r\nContent-Length: 2\r\n\r\n{}")

    answer = server.forwarder.send("GET", "/x", {}, None)

    assert answer.status == 201
    assert answer.headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-A", "lead, trail  "), ("X-Empty", ""),
                              ("X-Folded", "one two"), ("Content-Length", "2")]
    assert answer.header("set-cookie") == "a=1, b=2" and answer.header("X-Missing") is None
    assert answer.read() == b"{}"


def test_a_line_that_is_no_header_ends_the_headers_as_with_http_client(upstream):
    server = upstream(b"HTTP/1.1 200 OK\r\nX-A: 1\r\nnot a header\r\nX-B: 2\r\nContent-Length: 2\r\n\r\n{}")

    answer = server.forwarder.send("GET", "/x", {}, None)

    assert answer.headers == [("X-A", "1")]
    answer.close()


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\nX-A: 1\nContent-Length: 2\n\n{}",
    b"HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}",
    b"HTTP/1.1 204 No Content\r\n\r\n",
])
def test_a_head_that_comes_in_pieces_reads_as_one_that_comes_whole(upstream, answer):
    pieces = [answer[:7], answer[7:19], answer[19:30], answer[30:]]
    server = upstream(pieces, answer, pieces, answer)
    fw = server.forwarder

    got = []
    for _ in range(4):
        one = fw.send("GET", "/x", {}, None)
        got.append((one.status, one.headers, one.header("set-cookie"), one.read()))

    assert got[0] == got[1] == got[2] == got[3] and got[0][0] in (200, 404, 204)


def test_interim_100_answers_are_skipped(upstream):
    server = upstream(b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")

    answer = server.forwarder.send("POST", "/x", {}, b"{}")

    assert (answer.status, answer.headers, answer.read()) == (201, [("Content-Length", "2")], b"{}")


def test_bodies_by_length_chunks_and_close_stream_in_the_same_pieces(upstream):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n"
               + b"%x\r\n" % 100_000 + b"z" * 100_000 + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
    sized = b"HTTP/1.1 200 OK\r\nContent-Length: 150000\r\n\r\n" + b"y" * 150_000
    server = upstream(chunked, chunked, sized, (b"HTTP/1.1 200 OK\r\n\r\n" + b"q" * 150_000, FIN))
    fw = server.forwarder

    pieces = list(fw.send("GET", "/c", {}, None).stream())
    whole = fw.send("GET", "/c", {}, None).read()
    sized_pieces = [len(piece) for piece in fw.send("GET", "/s", {}, None).stream()]
    until_close = [len(piece) for piece in fw.send("GET", "/u", {}, None).stream()]

    assert [len(piece) for piece in pieces] == [3, CHUNK, 100_000 - CHUNK] and b"".join(pieces)[:3] == b"abc"
    assert whole == b"abc" + b"z" * 100_000
    assert sized_pieces == until_close == [CHUNK, CHUNK, 150_000 - 2 * CHUNK]
    assert [number for number, _raw in server.got] == [1, 1, 1, 1]


def test_answers_without_a_body_leave_the_connection_ready(upstream):
    server = upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n",
                      b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", OK)
    fw = server.forwarder

    assert list(fw.send("HEAD", "/x", {}, None).stream()) == []
    assert fw.send("GET", "/x", {}, None).read() == b""
    assert list(fw.send("GET", "/x", {}, None).stream()) == []
    assert fw.send("GET", "/x", {}, None).read() == b"{}"
    assert server.connections == 1


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
])
def test_an_answer_that_ends_the_connection_is_followed_by_a_new_one(upstream, answer):
    server = upstream((answer, FIN))

    for _ in range(2):
        assert server.forwarder.send("GET", "/x", {}, None).read() == b"{}"

    assert server.connections == 2


def test_an_answer_left_unread_does_not_leave_its_connection_for_the_next_request(upstream):
    server = upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 150000\r\n\r\n" + b"y" * 150_000, OK)

    server.forwarder.send("GET", "/big", {}, None).close()
    assert server.forwarder.send("GET", "/x", {}, None).read() == b"{}"

    assert server.connections == 2


@pytest.mark.parametrize("method", ["POST", "PATCH", "GET"])
def test_a_connection_the_upstream_closed_while_idle_is_replaced_and_the_request_sent_once(upstream, method):
    server = upstream((OK, FIN))
    fw = server.forwarder
    assert fw.send(method, "/x", {}, b"1").read() == b"{}"
    server.closed.wait(5)
    _wait_dropped(fw)

    assert fw.send(method, "/x", {}, b"2").read() == b"{}"

    assert [raw[-1:] for raw in server.requests()] == [b"1", b"2"] and server.connections == 2


@pytest.mark.parametrize("how", [FIN, RST])
@pytest.mark.parametrize("method, body, sent_again", [
    ("GET", None, True), ("DELETE", None, True), ("PUT", b"x", True), ("POST", b"x", False), ("PATCH", b"x", False),
])
def test_a_connection_lost_before_the_answer_is_retried_once_only_where_safe(upstream, how, method, body, sent_again):
    server = upstream(how, OK)

    if sent_again:
        assert server.forwarder.send(method, "/x", {}, body).read() == b"{}"
    else:
        with pytest.raises(UpstreamFailed):
            server.forwarder.send(method, "/x", {}, body)

    assert len(server.requests()) == (2 if sent_again else 1)


def test_a_retry_is_logged_without_the_query_string(upstream, caplog):
    server = upstream(FIN, OK)

    assert server.forwarder.send("GET", "/portal/confirm?token=secret-1", {}, None).read() == b"{}"

    assert "/portal/confirm" in caplog.text and "secret-1" not in caplog.text


def test_a_body_read_as_it_goes_is_not_sent_a_second_time(upstream):
    # urllib3 sent such a PUT again with what was left of the body (nothing: an empty upload).
    server = upstream(FIN, OK)

    with pytest.raises(UpstreamFailed):
        server.forwarder.send("PUT", "/x", {}, iter([b"x"]))

    assert len(server.requests()) == 1


def test_a_connection_that_keeps_failing_is_given_up_after_one_retry(upstream):
    server = upstream(FIN)

    with pytest.raises(UpstreamFailed):
        server.forwarder.send("GET", "/x", {}, None)

    assert len(server.requests()) == 2


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_upstream_that_refuses_connections_fails_the_request(method):
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    forwarder = KeepAliveForwarder(f"http://127.0.0.1:{port}", timeout=5.0)

    with pytest.raises(UpstreamFailed):
        forwarder.send(method, "/x", {}, b"x" if method == "POST" else None)


@pytest.mark.parametrize("method, asked", [("GET", 2), ("POST", 1)])
def test_an_answer_that_does_not_come_in_time_fails_after_the_same_attempts(upstream, method, asked):
    server = upstream(HANG, timeout=0.2)

    with pytest.raises(UpstreamFailed):
        server.forwarder.send(method, "/x", {}, None)

    assert len(server.requests()) == asked


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
@pytest.mark.parametrize("how", ["read", "stream"])
def test_a_body_cut_short_fails_the_answer_and_its_connection(upstream, answer, how):
    server = upstream((answer, FIN), OK)
    fw = server.forwarder

    answer = fw.send("GET", "/x", {}, None)
    with pytest.raises(UpstreamFailed):
        answer.read() if how == "read" else list(answer.stream())
    assert fw.send("GET", "/x", {}, None).read() == b"{}"

    assert server.connections == 2


@pytest.mark.parametrize("where", ["head", "body"])
def test_an_upstream_that_stops_answering_is_reported_as_timed_out(upstream, where):
    # The kernel keeps the socket's timeouts; the failure still reads as Python's own timeout did.
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    server = upstream((cut, HANG) if where == "body" else HANG, timeout=0.2)

    with pytest.raises(UpstreamFailed, match=r"TimeoutError\('timed out'\)"):
        server.forwarder.send("POST", "/x", {}, b"{}").read()


def test_a_body_that_stops_coming_fails_the_answer(upstream):
    server = upstream((b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", HANG), timeout=0.2)

    answer = server.forwarder.send("GET", "/x", {}, None)

    with pytest.raises(UpstreamFailed):
        answer.read()


@pytest.mark.parametrize("answer, method", [
    (b"HTTP/1.1 abc OK\r\n\r\n", "POST"), (b"hello\r\n\r\n", "POST"), (b"HTTP/2 200 OK\r\n\r\n", "POST"),
    (b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n", "POST"),
])
def test_a_malformed_answer_head_fails_a_post_without_sending_it_again(upstream, answer, method):
    server = upstream((answer, FIN))

    with pytest.raises(UpstreamFailed):
        server.forwarder.send(method, "/x", {}, b"x")

    assert len(server.requests()) == 1


def test_content_lengths_that_disagree_fail_the_answer_without_a_retry(upstream):
    server = upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}")

    with pytest.raises(UpstreamFailed):
        server.forwarder.send("GET", "/x", {}, None)

    assert len(server.requests()) == 1


def test_an_answer_sent_before_the_whole_body_was_taken_is_read(upstream):
    class Early(Scripted):
        def _serve(self, conn, number):
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                self.got.append((number, head))
                conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")

    server = Early([])
    forwarder = KeepAliveForwarder(server.url, timeout=5.0)
    try:
        answer = forwarder.send("POST", "/x", {"Content-Length": str(8 << 20)}, b"b" * (8 << 20))
        assert (answer.status, answer.read()) == (413, b"{}")
    finally:
        forwarder.close()
        server.stop()


def test_a_closed_pool_sends_nothing(upstream):
    server = upstream(OK)
    server.forwarder.close()

    with pytest.raises(UpstreamFailed):
        server.forwarder.send("GET", "/x", {}, None)

    assert server.requests() == []
