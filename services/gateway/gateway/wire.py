"""An HTTP/1.1 connection to an upstream, and its answers read as http.client and urllib3 read them.

The proxy's answers reach clients as urllib3 handed them over: status, headers grouped by name as its
``HTTPHeaderDict`` grouped them (a repeated name under its first spelling), bodies framed as
http.client framed them and streamed in the pieces urllib3 yielded (at most ``CHUNK`` bytes; a chunked
body chunk by chunk). A head with a line the fast reading cannot vouch for (a folded value, a line that
is no header) goes through http.client's own parser.
"""
from __future__ import annotations

import http.client
import io
import re
import select
import socket
from typing import Callable, Iterator

from .forward import CHUNK, Answer, UpstreamFailed

_MAXLINE = 65536  # http.client's and urllib3's longest status, header, chunk-size or trailer line
_MAXHEADERS = 100
# The headers that frame an answer's body and say whether its connection can be reused.
_FRAMING = ("transfer-encoding", "content-length", "connection", "keep-alive", "proxy-connection")
_RECV = 65536
# Header lines whose name and value the email parser reads as ``name: value`` with nothing to fold.
_SIMPLE_HEAD = re.compile(rb"(?:[!-9;-~]+:[\t -~\x80-\xff]*\r\n)*")
_OBSOLETE_FOLD = re.compile(r"(?:(?<![ \t])[ \t]+)?\r\n[ \t]+")  # urllib3 joins folded lines with a space


class Connection:
    """One socket to the upstream and what has been received on it but not read yet."""

    __slots__ = ("sock", "buf", "pos", "_poll")

    def __init__(self, sock: socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buf, self.pos = sock, b"", 0
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)

    def dropped(self) -> bool:
        # Readable while idle: the upstream closed it, or sent what nobody asked for.
        return bool(self._poll.poll(0))

    def drained(self) -> bool:
        return self.pos == len(self.buf)

    def recv(self) -> bytes:
        try:
            return self.sock.recv(_RECV)
        except BlockingIOError:
            # SO_RCVTIMEO ran out (``keepalive``): reported as Python's own timeout reports it.
            raise TimeoutError("timed out") from None

    def readline(self) -> bytes:
        """A line with its end, as ``BufferedReader.readline(_MAXLINE + 1)`` returns it."""
        limit = _MAXLINE + 1
        buf, pos = self.buf, self.pos
        while True:
            end = buf.find(b"\n", pos, pos + limit)
            if end >= 0:
                self.pos = end + 1
                return buf[pos:end + 1]
            if len(buf) - pos >= limit:
                self.pos = pos + limit
                return buf[pos:pos + limit]
            data = self.recv()
            buf = buf[pos:] + data
            pos = 0
            self.buf, self.pos = buf, 0
            if not data:
                self.pos = len(buf)
                return buf

    def read(self, size: int) -> bytes:
        """``size`` bytes, fewer only where the upstream closed the connection."""
        buf, pos = self.buf, self.pos
        if len(buf) - pos >= size:
            self.pos = pos + size
            return buf[pos:pos + size] if pos or size != len(buf) else buf
        parts = [buf[pos:]]
        need = size - len(parts[0])
        self.buf, self.pos = b"", 0
        while need > 0:
            data = self.recv()
            if not data:
                break
            if len(data) > need:
                self.buf = data
                self.pos = need
                data = data[:need]
            parts.append(data)
            need -= len(data)
        return b"".join(parts)

    def close(self) -> None:
        self.sock.close()


def _parse_status(line: bytes) -> tuple[int, int]:
    """(10 or 11, status) of a status line, refused where http.client refused it."""
    if len(line) > _MAXLINE:
        raise http.client.LineTooLong("status line")
    if not line:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    text = str(line, "iso-8859-1")
    parts = text.split(None, 2)
    version = parts[0] if len(parts) >= 2 else ""
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(text)
    try:
        status = int(parts[1])
    except ValueError:
        raise http.client.BadStatusLine(text) from None
    if status < 100 or status > 999:
        raise http.client.BadStatusLine(text)
    if version in ("HTTP/1.0", "HTTP/0.9"):
        return 10, status
    if version.startswith("HTTP/1."):
        return 11, status
    raise http.client.UnknownProtocol(version)


def _header_lines(conn: Connection) -> list[bytes]:
    """A head's header lines up to and with the empty line (or the connection's end)."""
    lines = []
    while True:
        line = conn.readline()
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            return lines


def _parse_headers(lines: list[bytes]) -> list[tuple[str, str]]:
    """(name, value) pairs as http.client's email parser yields them."""
    block = b"".join(lines[:-1]) if lines[-1] in (b"\r\n", b"\n") else b""
    if block and _SIMPLE_HEAD.fullmatch(block) or not block and lines[-1] == b"\r\n":
        return _simple_pairs(block)
    return [(name, _OBSOLETE_FOLD.sub(" ", value) if "\r\n" in value else value)
            for name, value in http.client.parse_headers(io.BytesIO(b"".join(lines))).items()]


def _whole_head(conn: Connection) -> tuple[int, int, list[tuple[str, str]]] | None:
    """(version, status, headers) of an answer head received whole and simple (CRLF lines, no 100,
    nothing to fold, within the limits), read at once; else None, with nothing read.

    Reading the head line by line was a fifth of the fast path's own work, for heads that nearly
    always come whole in the first packet; this reads what ``readline`` would, in one pass."""
    buf, pos = conn.buf, conn.pos
    if pos == len(buf):
        buf, pos = conn.recv(), 0
        conn.buf, conn.pos = buf, 0
    end = buf.find(b"\r\n\r\n", pos, pos + _MAXLINE)
    if end < 0:
        return None
    first = buf.find(b"\n", pos, end + 2)
    if first <= pos or buf[first - 1:first] != b"\r":
        return None
    block = buf[first + 1:end + 2]
    if block.count(b"\n") >= _MAXHEADERS or block and not _SIMPLE_HEAD.fullmatch(block):
        return None
    version, status = _parse_status(buf[pos:first + 1])
    if status == 100:
        return None
    conn.pos = end + 4
    return version, status, _simple_pairs(block)


def _simple_pairs(block: bytes) -> list[tuple[str, str]]:
    pairs = []
    for line in block.decode("latin-1").split("\r\n")[:-1]:
        name, _colon, value = line.partition(":")
        pairs.append((name, value.lstrip(" \t")))
    return pairs


def read_answer(conn: Connection, method: str, release: Callable[[Connection], None]) -> "WireAnswer":
    """The next answer's head on ``conn`` (interim 100 answers skipped); ``release`` takes the
    connection back once the body has been read, when it can carry another request."""
    head = _whole_head(conn)
    if head is not None:
        version, status, pairs = head
    else:
        while True:
            version, status = _parse_status(conn.readline())
            lines = _header_lines(conn)
            if status != 100:
                break
        pairs = _parse_headers(lines)
    groups: dict[str, list[str]] = {}
    for name, value in pairs:
        lowered = name.lower()
        group = groups.get(lowered)
        if group is None:
            groups[lowered] = [name, value]
        else:
            group.append(value)
    if len(groups) == len(pairs):
        headers = pairs  # no name repeated: grouping leaves them as they are
    else:
        headers = [(group[0], value) for group in groups.values() for value in group[1:]]
    return WireAnswer(release, conn, method, version, status, headers, groups)


class WireAnswer(Answer):
    """An answer head read; its body read from the connection on demand, which then goes back to the pool."""

    def __init__(self, release: Callable[[Connection], None], conn: Connection, method: str, version: int,
                 status: int, headers: list[tuple[str, str]], groups: dict[str, list[str]]):
        self._release, self._conn = release, conn
        self.status, self.headers, self._groups = status, headers, groups
        first = {name: groups[name][1] for name in _FRAMING if name in groups}
        # How http.client framed the body (and so whether the connection stays usable after it) ...
        self._http_chunked = first.get("transfer-encoding", "").lower() == "chunked"
        length = None
        if first.get("content-length") and not self._http_chunked:
            try:
                length = int(first["content-length"])
            except ValueError:
                pass
            else:
                length = None if length < 0 else length
        if status in (204, 304) or 100 <= status < 200 or method == "HEAD":
            length = 0
        self._length = length
        connection = first.get("connection", "").lower()
        if version == 11:
            self._keep = "close" not in connection
        else:
            self._keep = bool(first.get("keep-alive")) or "keep-alive" in connection \
                or "keep-alive" in first.get("proxy-connection", "").lower()
        if not self._http_chunked and length is None:
            self._keep = False
        # ... and how urllib3 streamed it: any chunked coding, every Content-Length value.
        codings = (self.header("Transfer-Encoding") or "").lower().split(",")
        self._chunked = "chunked" in (coding.strip() for coding in codings)
        self._complete = length == 0
        self._remaining = None if self._chunked else self._declared_length(status, method)

    def _declared_length(self, status: int, method: str) -> int | None:
        declared = self.header("Content-Length")
        length = None
        if declared is not None:
            try:
                lengths = {int(value) for value in declared.split(",")}
            except ValueError:
                pass
            else:
                if len(lengths) > 1:
                    raise UpstreamFailed(f"Content-Length contained multiple unmatching values ({declared})")
                length = lengths.pop()
                length = None if length < 0 else length
        if status in (204, 304) or 100 <= status < 200 or method == "HEAD":
            return 0
        return length

    def header(self, name: str) -> str | None:
        values = self._groups.get(name.lower())
        if values is None:
            return None
        return values[1] if len(values) == 2 else ", ".join(values[1:])

    def read(self) -> bytes:
        conn = self._conn
        if conn is None or self._complete:
            self.close()
            return b""
        try:
            if self._http_chunked:
                body = b"".join(self._chunks(conn, None))
            elif self._length is not None:
                body = conn.read(self._length)
                if len(body) < self._length:
                    raise http.client.IncompleteRead(body, self._length - len(body))
            else:
                body = conn.read(1 << 62)
            self._complete = True
            return body
        except (OSError, http.client.HTTPException) as exc:
            raise UpstreamFailed(f"Connection broken: {exc!r}") from None
        finally:
            self.close()

    def stream(self) -> Iterator[bytes]:
        conn = self._conn
        if conn is None or self._complete:
            self.close()
            return
        try:
            if self._chunked:
                yield from self._chunks(conn, CHUNK)
                # Read as chunks where http.client saw none: where the connection stands is unknown.
                self._keep = self._keep and self._http_chunked
            else:
                left, remaining = self._length, self._remaining
                while left is None or left > 0:
                    piece = conn.read(CHUNK if left is None or left > CHUNK else left)
                    if not piece:
                        if remaining:
                            raise http.client.IncompleteRead(b"", remaining)
                        break
                    if left is not None:
                        left -= len(piece)
                    if remaining is not None:
                        remaining -= len(piece)
                    yield piece
            self._complete = True
        except (OSError, http.client.HTTPException) as exc:
            raise UpstreamFailed(f"Connection broken: {exc!r}") from None
        finally:
            self.close()

    @staticmethod
    def _chunks(conn: Connection, most: int | None) -> Iterator[bytes]:
        """A chunked body's data, each chunk in pieces of at most ``most`` bytes (urllib3's read_chunked)."""
        while True:
            line = conn.readline()
            if len(line) > _MAXLINE:
                raise http.client.LineTooLong("chunk size")
            size_text = line.split(b";", 1)[0]
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.IncompleteRead(b"") from None
            if size < 0:
                raise http.client.IncompleteRead(b"")
            if size == 0:
                break
            while size:
                want = size if most is None or size < most else most
                piece = conn.read(want)
                if len(piece) < want:
                    raise http.client.IncompleteRead(piece, want - len(piece))
                size -= want
                yield piece
            if len(conn.read(2)) < 2:
                raise http.client.IncompleteRead(b"", 2)
        while True:  # trailers, up to the empty line
            line = conn.readline()
            if len(line) > _MAXLINE:
                raise http.client.LineTooLong("trailer line")
            if line in (b"\r\n", b"\n", b""):
                return

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._complete and self._keep and conn.drained():
            self._release(conn)
        else:
            # Left unread (a client that went away), or the upstream ends it: not for the next request.
            conn.close()
