"""Network faults without Docker, tc or toxiproxy: a TCP proxy put between a client and a real service.

    with TcpProxy("127.0.0.1", 6379) as proxy:
        client = redis.Redis(port=proxy.port, socket_timeout=0.25)
        proxy.set_mode("blackhole")   # the service "hangs": connections open, nothing ever answers

Modes (switchable at any time, from any thread):
- ``pass``: forward both ways, each chunk after ``latency`` seconds (0 by default).
- ``blackhole``: accept and read, never answer; connections already open stop forwarding too, like a service
  that hangs with its port still open.
- ``close``: close new connections at once and drop the open ones, like a crashed service behind a live port.

The proxy runs an asyncio loop in a daemon thread, so synchronous tests (and the threads of a TestClient) can
use it. ``accepted`` and ``bytes_received`` count what clients attempted, to prove a client stayed away.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Literal

Mode = Literal["pass", "blackhole", "close"]

_CHUNK = 65536


class TcpProxy:
    def __init__(
        self, target_host: str, target_port: int, *, mode: Mode = "pass", latency: float = 0.0
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.mode: Mode = mode
        self.latency = latency
        self.host = "127.0.0.1"
        self.port = 0  # chosen by the OS at start()
        self.accepted = 0
        self.bytes_received = 0
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> TcpProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="tcp-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(5.0):
            raise RuntimeError("TcpProxy did not start listening within 5 s")
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)
        self._loop.close()
        self._thread = None

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        if mode == "close":
            self._loop.call_soon_threadsafe(self._abort_all)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        ready.set()
        self._loop.run_forever()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        self._abort_all()
        await self._server.wait_closed()

    def _abort_all(self) -> None:
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.mode == "close":
            writer.transport.abort()
            return
        self._transports.add(writer.transport)
        upstream: asyncio.StreamWriter | None = None
        try:
            if self.mode == "blackhole":
                await self._pump(reader, None)
                return
            try:
                upstream_reader, upstream = await asyncio.open_connection(self.target_host, self.target_port)
            except OSError:
                return  # the target is down: the client sees its connection closed
            self._transports.add(upstream.transport)
            pumps = [
                asyncio.ensure_future(self._pump(reader, upstream)),
                asyncio.ensure_future(self._pump(upstream_reader, writer, count=False)),
            ]
            _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            for side in (writer, upstream):
                if side is not None:
                    self._transports.discard(side.transport)
                    side.transport.abort()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None, *, count: bool = True
    ) -> None:
        """Copy until EOF; outside ``pass`` mode (or without a writer) swallow what arrives."""
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(_CHUNK):
                if count:
                    self.bytes_received += len(data)
                if writer is None or self.mode != "pass":
                    continue
                if self.latency:
                    await asyncio.sleep(self.latency)
                writer.write(data)
                await writer.drain()
