"""The SMTP sink the notifier sends to: accepts everything, notes when and what (recipients, subject).

It runs as a process of its own (``python -m bench.sink PORT FILE``) so it never shares the bench's
interpreter lock with the load generator: an SMTP server in the bench process was itself a limit of
the emails/s it measured. The server is a small asyncio SMTP receiver (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT; PIPELINING is not offered) that writes one line per accepted message, ``arrival
time (CLOCK_MONOTONIC, the same clock as the bench's time.monotonic()) TAB recipients TAB event id (from
the Message-ID) TAB subject``,
to FILE. ``Sink`` in the bench starts it and reads that file.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from email.header import decode_header, make_header
from pathlib import Path


def _header(data: bytes, name: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    prefix = name.lower() + b":"
    for n, line in enumerate(lines):
        if line[:len(prefix)].lower() == prefix:
            value = [line[len(prefix):]]
            for more in lines[n + 1:]:
                if more[:1] not in (b" ", b"\t"):
                    break
                value.append(more)
            raw = b"".join(value).decode("utf-8", "replace").strip()
            try:
                return str(make_header(decode_header(raw))).replace("\t", " ").replace("\n", " ")
            except Exception:  # noqa: BLE001 - a malformed encoded word: note it as it came
                return raw
    return ""


class _Session(asyncio.Protocol):
    def __init__(self, out):
        self.out = out
        self.buffer = b""
        self.rcpts: list[str] = []
        self.data: list[bytes] | None = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 bench-sink ESMTP\r\n")

    def data_received(self, chunk: bytes):
        self.buffer += chunk
        while True:
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            if self.data is not None:
                if line == b".":
                    message, self.data = b"\r\n".join(self.data), None
                    # The Message-ID's local part starts with the event's id (notifier.mail.compose).
                    event_id = _header(message, b"Message-ID").strip("<> ").split("@")[0].split(".")[0]
                    subject = _header(message, b"Subject")
                    self.out.write(f"{time.monotonic():.6f}\t{','.join(self.rcpts)}\t{event_id}\t{subject}\n")
                    self.out.flush()
                    self.rcpts = []
                    self.transport.write(b"250 OK\r\n")
                else:
                    self.data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-bench-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 33554432\r\n")
            elif verb == b"HELO":
                self.transport.write(b"250 bench-sink\r\n")
            elif verb == b"MAIL":
                self.rcpts = []
                self.transport.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                address = line[line.find(b"<") + 1:line.rfind(b">")].decode("utf-8", "replace")
                self.rcpts.append(address)
                self.transport.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.data = []
                self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb in (b"RSET", b"NOOP"):
                self.rcpts = [] if verb == b"RSET" else self.rcpts
                self.transport.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"502 Command not implemented\r\n")


def serve(port: int, path: str) -> None:
    out = open(path, "a", encoding="utf-8", buffering=1 << 16)

    async def main():
        server = await asyncio.get_running_loop().create_server(lambda: _Session(out), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Sink:
    """The sink process and what it received: (arrival time, To, Subject, event id) of every message."""

    def __init__(self):
        self.arrivals: list[tuple[float, str, str, str]] = []
        self.lock = threading.Lock()
        self.port = 0
        self._proc: subprocess.Popen | None = None
        self._path: Path | None = None
        self._offset = 0

    def _read(self) -> None:
        if self._path is None:
            return
        with self.lock, open(self._path, "rb") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
            complete = chunk[:chunk.rfind(b"\n") + 1]
            self._offset += len(complete)
            for line in complete.decode("utf-8", "replace").splitlines():
                at, to, event_id, subject = line.split("\t", 3)
                self.arrivals.append((float(at), to, subject, event_id))

    def count(self) -> int:
        self._read()
        with self.lock:
            return len(self.arrivals)

    def since(self, index: int) -> list[tuple[float, str, str, str]]:
        self._read()
        with self.lock:
            return list(self.arrivals[index:])

    def start(self, port: int, work: Path | None = None) -> "Sink":
        import socket

        self.port = port
        folder = Path(work) if work else Path(os.environ.get("TMPDIR", "/tmp"))
        self._path = folder / f"sink-{port}.tsv"
        self._path.write_text("")
        root = Path(__file__).resolve().parent.parent
        self._proc = subprocess.Popen([sys.executable, "-m", "bench.sink", str(port), str(self._path)], cwd=root,
                                      start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return self
            except OSError:
                if self._proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"the SMTP sink did not start on port {port}")

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
