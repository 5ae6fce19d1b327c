"""Serving: the web app and the queue workers in one process, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from aiohttp import web

from node import keys
from node.app import create_app
from node.domain.urls import Urls
from node.errors import ConfigError
from node.jobs.queues import build_runner
from node.services.kernel.context import NodeContext, federation_client
from node.settings import Settings
from node.storage.pool import Database

log = logging.getLogger(__name__)


async def serve(
    settings: Settings,
    *,
    with_web: bool,
    with_workers: bool,
    reuse_port: bool = False,
    on_ready: str | None = None,
) -> None:
    stop = _stop_event()
    async with contextlib.AsyncExitStack() as stack:
        ctx: NodeContext | None = None
        if with_web:
            app = create_app(settings)
            await stack.enter_async_context(_site(app, settings, reuse_port))
            ctx = app[keys.NODE]
        if with_workers:
            if ctx is None:
                ctx = await stack.enter_async_context(worker_context(settings))
            runner = build_runner(ctx)
            await stack.enter_async_context(
                ctx.db.listen([q.name for q in runner.queues], runner.wake)
            )
            task = asyncio.create_task(runner.run_forever(), name="workers")
            stack.push_async_callback(_cancel, task)
        if on_ready:
            print(on_ready, flush=True)
        await stop.wait()
        log.info("stopping")


@contextlib.asynccontextmanager
async def worker_context(settings: Settings) -> AsyncIterator[NodeContext]:
    """What a worker-only process needs: a pool and the federation HTTP client."""
    assert settings.database_url is not None
    db = await Database.connect(settings.database_url)
    http = federation_client(settings.public_url, loopback=settings.federation_loopback)
    await http.open()
    try:
        yield NodeContext(db=db, urls=Urls(settings.public_url), http=http,
                          loopback=settings.federation_loopback)  # fmt: skip
    finally:
        await http.close()
        await db.close()


@contextlib.asynccontextmanager
async def _site(app: web.Application, settings: Settings, reuse_port: bool) -> AsyncIterator[None]:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(
            runner, settings.listen_host, settings.listen_port, reuse_port=reuse_port
        )
        try:
            await site.start()
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {settings.listen_host}:{settings.listen_port}: {error.strerror}"
            ) from None
        yield
    finally:
        await runner.cleanup()


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
