"""A one-port aiohttp site served from a background thread: the base of the bulk and hostile sites."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Self

from aiohttp import web

from sim.accesslog import AccessLog


class ThreadedSite:
    """Binds a free localhost port at once; :meth:`start` serves :meth:`_handle` on it from a thread
    (every request also goes to the suite-wide access log, :mod:`sim.accesslog`)."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.access = AccessLog(name)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._setup(), self._loop).result(timeout=30)
        return self

    async def _setup(self) -> None:
        app = web.Application(middlewares=[self.access.middleware()])
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
