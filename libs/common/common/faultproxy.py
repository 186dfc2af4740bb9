"""A TCP proxy on loopback that tests switch between passing traffic and cutting it.

Point a client (the outbox relay, say) at the proxy instead of RabbitMQ, then ``cut()`` to make the
broker vanish for it (open connections are reset, new ones refused) and ``restore()`` to bring it
back. It affects nobody else on the machine, unlike stopping the shared broker.
"""
from __future__ import annotations

import socket
import struct
import threading


class FaultProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._closed = False
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._up.is_set():
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._conns += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while self._up.is_set():
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                _reset(sock)

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until ``restore``."""
        self._up.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for sock in conns:
            _reset(sock)

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._server.close()


def _reset(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked in recv() on the same socket,
    # so the peer would never notice.
    for step in (lambda: sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)),
                 lambda: sock.shutdown(socket.SHUT_RDWR), sock.close):
        try:
            step()
        except OSError:
            pass
