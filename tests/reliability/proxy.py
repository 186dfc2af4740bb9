"""A TCP proxy on loopback that a nemesis switches between passing, cut, frozen and slow.

- ``cut()``: every open connection is reset and new ones are refused, until ``heal()``.
- ``freeze()``: connections stay open but no byte moves either way (a partition that TCP does not
  notice), until ``heal()``; new connections are accepted and frozen too.
- ``slow(seconds)``: every chunk waits that long before it is passed on.

It runs its own asyncio loop in a thread, so the test's code stays synchronous.
"""
from __future__ import annotations

import asyncio
import threading


class Proxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", name: str = "proxy"):
        self.target = (target_host, target_port)
        self.name = name
        self.mode = "pass"
        self.delay = 0.0
        self._resume = None  # asyncio.Event, set while traffic may flow
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"proxy-{name}", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._resume = asyncio.Event()
        self._resume.set()
        self._server = self._loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self._resume.wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
                if self.mode == "cut":
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            _abort(writer) if self.mode == "cut" else _close(writer)

    def _call(self, fn) -> None:
        done = threading.Event()

        def run():
            fn()
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(5)

    def cut(self) -> None:
        def apply():
            self.mode = "cut"
            self._resume.set()
            for writer in list(self._writers):
                _abort(writer)
        self._call(apply)

    def freeze(self) -> None:
        def apply():
            self.mode = "freeze"
            self._resume.clear()
        self._call(apply)

    def slow(self, seconds: float) -> None:
        def apply():
            self.mode, self.delay = "slow", seconds
            self._resume.set()
        self._call(apply)

    def heal(self) -> None:
        def apply():
            self.mode, self.delay = "pass", 0.0
            self._resume.set()
        self._call(apply)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)


def _abort(writer: asyncio.StreamWriter) -> None:
    try:
        writer.transport.abort()
    except Exception:
        pass


def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
    except Exception:
        pass
