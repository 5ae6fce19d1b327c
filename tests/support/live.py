"""A node served from a background thread, for tests that cannot share the asyncio loop.

Playwright's sync API runs its own loop in the test's thread, so the node runs in another
thread with its own loop (tooling notes, "Browser tests").
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from aiohttp import web

from node import keys
from node.app import create_app
from node.jobs.queues import build_runner
from node.services.kernel.context import NodeContext
from node.settings import Settings


class LiveNode:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.public_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        self.call(self._start())

    def stop(self) -> None:
        self.call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def call(self, coroutine):  # type: ignore[no-untyped-def]
        """Run a coroutine on the node's loop and wait for its result."""
        future: Future[object] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=60)

    @property
    def ctx(self) -> NodeContext:
        """The node's services context; use it only inside coroutines passed to call()."""
        assert self._runner is not None
        return self._runner.app[keys.NODE]

    def drain(self) -> int:
        """Run the node's queue workers until idle (delivery, inbox, polls)."""
        handled: int = self.call(build_runner(self.ctx).run_until_idle())
        return handled

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_app(self.settings), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.listen_host, self.settings.listen_port)
        await site.start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
