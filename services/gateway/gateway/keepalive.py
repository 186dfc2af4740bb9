"""The API proxy's HTTP/1.1 client: pooled keep-alive sockets to one upstream.

urllib3 over http.client was the largest part of a gateway worker's CPU per proxied request (about
30 %: header checks, an email-parser pass over every answer head, retry and pool bookkeeping;
bench/profiles/gw3.md). This client does only what the proxy needs, the way that pool did it, so
the upstreams and the clients see the same bytes as before:

- the request head as urllib3 wrote it: the target percent-encoded by its rules, ``Host``,
  ``Accept-Encoding: identity``, the framing header, its ``User-Agent`` unless the client sent one,
  then the forwarded headers in their order;
- answers read as http.client and urllib3 read them (``wire``);
- an idle connection the upstream closed is noticed before it is used (a zero-timeout poll, as
  urllib3 did) and replaced by a new one, and a request goes out a second time only where urllib3's
  ``Retry(total=1, connect=1, read=1)`` sent it again: after a connection that could not be made
  (nothing was sent), or for a method safe to repeat whose answer head did not come. Except a body
  read from the client as it goes: urllib3 sent what was left of it the second time (nothing).
"""
from __future__ import annotations

import errno
import http.client
import logging
import re
import socket
import struct
from typing import Iterable
from urllib.parse import urlsplit

from urllib3 import __version__ as _urllib3_version

from .forward import Answer, UpstreamFailed
from .wire import Connection, read_answer

logger = logging.getLogger(__name__)

# What urllib3 sent when the client named no agent: the upstreams' logs keep reading the same.
_USER_AGENT = f"User-Agent: python-urllib3/{_urllib3_version}"
# urllib3's Retry.DEFAULT_ALLOWED_METHODS: sent again after a broken connection.
_REPEATABLE = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"})
# Without a body these carry no Content-Length (urllib3's body_to_chunks).
_NO_BODY = frozenset({"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"})

# urllib3's request-target encoding (util.url._encode_target): a target made only of these is sent as is.
_PLAIN_TARGET = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*")
_TARGET = re.compile(r"^(/[^?#]*)(?:\?([^#]*))?(?:#.*)?$")
_PERCENT = re.compile(r"%[a-fA-F0-9]{2}")
_PATH_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~!$&'()*+,;=:@/")
_QUERY_CHARS = _PATH_CHARS | {"?"}
_SKIP = "@@@SKIP_HEADER@@@"  # urllib3.util.SKIP_HEADER
_SKIPPABLE = frozenset({"accept-encoding", "host", "user-agent"})
_ILLEGAL_VALUE = re.compile(r"\n(?![ \t])|\r(?![ \t\n])")  # http.client's check, on the decoded value
_LEGAL_NAME = re.compile(r"[^:\s][^:\r\n]*")


def _encode_component(component: str, allowed: frozenset) -> str:
    component, encodings = _PERCENT.subn(lambda match: match.group(0).upper(), component)
    raw = component.encode("utf-8", "surrogatepass")
    # Percent signs stay only when every one of them already starts an escape.
    keep_percent = encodings == raw.count(b"%")
    out = bytearray()
    for byte in raw:
        if (keep_percent and byte == 0x25) or (byte < 128 and chr(byte) in allowed):
            out.append(byte)
        else:
            out += b"%%%02X" % byte
    return out.decode()


def encode_target(target: str) -> str:
    """The request target as urllib3 sent it: invalid characters percent-encoded, escapes upper-cased."""
    if _PLAIN_TARGET.fullmatch(target):
        return target
    match = _TARGET.match(target)
    if not match:
        raise UpstreamFailed(f"{target!r} is not a valid request URI")
    path, query = match.groups()
    encoded = _encode_component(path, _PATH_CHARS)
    if query is not None:
        encoded += "?" + _encode_component(query, _QUERY_CHARS)
    return encoded


def _checked_headers(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The headers urllib3 would write, raising its ValueError where it refused one."""
    kept = []
    for name, value in headers.items():
        if value == _SKIP:
            if name.lower() not in _SKIPPABLE:
                raise ValueError("urllib3.util.SKIP_HEADER only supports 'Accept-Encoding', 'Host', 'User-Agent'")
            continue
        if not _LEGAL_NAME.fullmatch(name):
            raise ValueError(f"Invalid header name {name.encode('ascii')!r}")
        if _ILLEGAL_VALUE.search(value):
            raise ValueError(f"Invalid header value {value.encode('latin-1')!r}")
        kept.append((name, value))
    return kept


def _timeval(seconds: float) -> bytes:
    whole = int(seconds)
    return struct.pack("@ll", whole, int(round((seconds - whole) * 1_000_000)))


def _path(target: str) -> str:
    # What is logged of a target: emailed links carry one-time tokens in the query string.
    return target.partition("?")[0]


class KeepAliveForwarder:
    """Requests to one ``http://`` upstream over a pool of kept-alive sockets (thread-safe)."""

    def __init__(self, base_url: str, timeout: float, connect_timeout: float = 5.0, pool_size: int = 16):
        parts = urlsplit(base_url)
        host = parts.hostname or "localhost"
        port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._address = (host.rstrip("."), port)
        named = "[" + host + "]" if ":" in host else host
        self._host = "Host: " + (named if port == 80 else f"{named}:{port}")
        self._timeout, self._connect_timeout = timeout, connect_timeout
        self._size = pool_size
        self._idle: list[Connection] | None = []

    def send(self, method: str, target: str, headers: dict[str, str],
             body: bytes | Iterable[bytes] | None) -> Answer:
        if self._idle is None:
            raise UpstreamFailed("Pool is closed.")
        head, chunked = self._head(method, self._prefix + target, headers, body)
        # urllib3's Retry(total=1): one more attempt, after a connection that could not be made, or
        # for a method safe to repeat, with a body that can be sent again (not one read as it goes).
        retry = True
        repeatable = method in _REPEATABLE and (body is None or isinstance(body, (bytes, str)))
        while True:
            conn = self._checkout()
            if conn is None:
                try:
                    conn = self._connect()
                except OSError as exc:
                    if not retry:
                        raise UpstreamFailed(f"connection to {self._address} failed: {exc!r}") from None
                    retry = False
                    logger.warning("Connecting again after %r: %s %s", exc, method, _path(target))
                    continue
            try:
                self._write(conn.sock, head, body, chunked)
                return read_answer(conn, method, self.checkin)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if not (retry and repeatable):
                    raise UpstreamFailed(f"connection broken: {exc!r}") from None
                retry = False
                logger.warning("Sending again after the connection broke (%r): %s %s", exc, method, _path(target))
            except BaseException:
                conn.close()
                raise

    def _connect(self) -> Connection:
        sock = socket.create_connection(self._address, self._connect_timeout)
        try:
            # The kernel keeps the timeouts of a blocking socket (sending within the connect timeout,
            # each receive within the upstream's): Python's own timeouts cost a poll before every send
            # and receive and a mode switch whenever they change, four system calls and two more
            # releases of the GIL per proxied request (bench/profiles/gw4.md).
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self._connect_timeout))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(self._timeout))
            return Connection(sock)
        except BaseException:
            sock.close()
            raise

    def _head(self, method: str, target: str, headers: dict[str, str], body) -> tuple[bytes, bool]:
        keys = {name.lower() for name in headers}
        lines = [f"{method} {encode_target(target)} HTTP/1.1"]
        if "host" not in keys:
            lines.append(self._host)
        if "accept-encoding" not in keys:
            lines.append("Accept-Encoding: identity")
        chunked = False
        if "content-length" in keys:
            pass
        elif "transfer-encoding" in keys:
            chunked = True
        elif body is None:
            if method.upper() not in _NO_BODY:
                lines.append("Content-Length: 0")
        elif isinstance(body, (bytes, str)):
            lines.append(f"Content-Length: {len(body if isinstance(body, bytes) else body.encode())}")
        else:
            chunked = True
            lines.append("Transfer-Encoding: chunked")
        if "user-agent" not in keys:
            lines.append(_USER_AGENT)
        fixed = len(lines)
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        lines.append("\r\n")
        text = "\r\n".join(lines)
        if text.count("\n") != len(lines) or text.count("\r") != len(lines) or _SKIP in text:
            # A line break or urllib3's skip marker inside a header: its rules, header by header.
            lines[fixed:-1] = [f"{name}: {value}" for name, value in _checked_headers(headers)]
            text = "\r\n".join(lines)
        return text.encode("latin-1"), chunked

    @staticmethod
    def _write(sock: socket.socket, head: bytes, body, chunked: bool) -> None:
        try:
            if not chunked and (body is None or isinstance(body, bytes)):
                sock.sendall(head + body if body else head)
                return
            sock.sendall(head)
            for chunk in (() if body is None else (body,) if isinstance(body, (bytes, str)) else body):
                if not chunk:
                    continue
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except BrokenPipeError:
            pass  # The upstream may have answered already and closed (an early 413): its answer is read.
        except BlockingIOError:
            raise TimeoutError("timed out") from None  # SO_SNDTIMEO ran out: as Python's timeout says it
        except OSError as exc:
            if exc.errno not in (errno.EPROTOTYPE, errno.ECONNRESET):
                raise

    def _checkout(self) -> Connection | None:
        try:
            conn = self._idle.pop()
        except (IndexError, AttributeError):
            return None
        if conn.dropped():
            conn.close()
            return None
        return conn

    def checkin(self, conn: Connection) -> None:
        idle = self._idle
        if idle is not None and len(idle) < self._size:
            idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        idle, self._idle = self._idle, None
        for conn in idle or ():
            conn.close()


