"""A client of ClamAV's daemon (``clamd``), for the optional virus scan of uploads (``CLAMD_URL``).

It speaks clamd's documented ``INSTREAM`` command: ``zINSTREAM\\0``, then chunks each prefixed with
their length as a 4-byte big-endian integer, then a zero-length chunk; clamd answers
``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``. The Python clamd clients on PyPI
have had no release for years, and the protocol is this small. Scanning fails closed: when clamd
cannot answer, the upload is refused, never stored unscanned.
"""
from __future__ import annotations

import socket
import struct
from typing import BinaryIO
from urllib.parse import urlparse

CHUNK = 256 * 1024


class ScannerUnavailable(RuntimeError):
    """clamd could not be reached or could not scan the stream (the upload must be refused)."""


class Scanner:
    def __init__(self, url: str, timeout: float = 30.0):
        parsed = urlparse(url)
        if parsed.scheme == "unix":
            self.family, self.address = socket.AF_UNIX, parsed.path
        elif parsed.scheme == "tcp" and parsed.hostname:
            self.family, self.address = socket.AF_INET, (parsed.hostname, parsed.port or 3310)
        else:
            raise ValueError(f"CLAMD_URL must be unix:///path/to/clamd.ctl or tcp://host:3310, not {url!r}")
        self.url = url
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.address)
        except OSError as exc:
            sock.close()
            raise ScannerUnavailable(f"clamd at {self.url} cannot be reached: {exc}") from exc
        return sock

    @staticmethod
    def _reply(sock: socket.socket) -> str:
        data = b""
        while not data.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            data += part
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> None:
        """Raise ScannerUnavailable unless clamd answers PONG."""
        with self._connect() as sock:
            sock.sendall(b"zPING\0")
            if self._reply(sock) != "PONG":
                raise ScannerUnavailable(f"clamd at {self.url} did not answer PONG")

    def scan(self, source: BinaryIO) -> str | None:
        """The name of the signature ``source`` matches, or None when it is clean."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                try:
                    while chunk := source.read(CHUNK):
                        sock.sendall(struct.pack("!I", len(chunk)) + chunk)
                    sock.sendall(struct.pack("!I", 0))
                except BrokenPipeError:
                    pass  # clamd stopped reading (its StreamMaxLength, say): its answer says why
                answer = self._reply(sock)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} failed while scanning: {exc}") from exc
        if answer.endswith("FOUND"):
            return answer.removeprefix("stream:").removesuffix("FOUND").strip()
        if answer.endswith("OK"):
            return None
        raise ScannerUnavailable(f"clamd at {self.url} could not scan the file: {answer or 'no answer'}")
