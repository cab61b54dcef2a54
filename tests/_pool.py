"""A connection pool that tells, through aiohttp's public API, whether a client gave back
every connection it took: tests hand its session to ``SyneriseClient(session=...)``."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web

from synerise_async import ClientConfig


class Pool:
    """An aiohttp session with as many connections as a client's own pool
    (``max_concurrency + 4``), and a loopback server whose answers never end, to take
    every connection at once. Start it with :meth:`start`; close it with :meth:`aclose`."""

    def __init__(self, config: ClientConfig | None = None) -> None:
        self.limit = (config or ClientConfig()).max_concurrency + 4
        self._queued = asyncio.Event()
        self._closing = asyncio.Event()
        tracing = aiohttp.TraceConfig()
        tracing.on_connection_queued_start.append(self._on_queued)
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.limit), trace_configs=[tracing]
        )
        app = web.Application()
        app.router.add_get("/", self._hold)
        self._runner = web.AppRunner(app, handle_signals=False)
        self._url = ""

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"http://{host}:{port}/"

    async def _hold(self, request: web.Request) -> web.StreamResponse:
        # Headers now, the body never: the connection stays taken until the probe lets go.
        response = web.StreamResponse()
        await response.prepare(request)
        await self._closing.wait()
        return response

    async def _on_queued(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self._queued.set()

    async def assert_all_returned(self) -> None:
        """Take every connection of the pool at once: a connection still held by the
        client (taken, never released) makes the last request wait, and fails this."""
        self._queued.clear()
        async with contextlib.AsyncExitStack() as held, asyncio.timeout(10):
            for taken in range(self.limit):
                request = asyncio.ensure_future(
                    held.enter_async_context(self.session.get(self._url))
                )
                queued = asyncio.ensure_future(self._queued.wait())
                try:
                    await asyncio.wait({request, queued}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for task in (request, queued):
                        if not task.done():
                            task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                if request.cancelled():
                    held_back = self.limit - taken
                    raise AssertionError(f"the client still holds {held_back} connection(s)")
            self._closing.set()  # let the held answers end, so their connections close cleanly
        self._closing.clear()

    async def aclose(self) -> None:
        self._closing.set()
        await self.session.close()
        await self._runner.cleanup()
