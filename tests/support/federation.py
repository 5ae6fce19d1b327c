"""Several real nodes in one test, federating over real HTTP on 127.0.0.1 (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestServer

from node import keys
from node.app import create_app
from node.domain.accounts import Account
from node.jobs.queues import build_runner
from node.jobs.runner import WorkerRunner
from node.services.kernel.context import NodeContext
from node.settings import Settings
from tests.support.databases import TestDatabases
from tests.support.nodes import node_settings
from tests.support.people import local_person


@dataclass
class FlowNode:
    ctx: NodeContext
    runner: WorkerRunner
    server: TestServer
    settings: Settings

    @property
    def url(self) -> str:
        return self.ctx.urls.base

    @property
    def host(self) -> str:
        return self.ctx.urls.host

    async def user(self, username: str) -> Account:
        return await local_person(self.ctx, username)


@asynccontextmanager
async def running_node(
    databases: TestDatabases, data_dir: Path, port: int
) -> AsyncIterator[FlowNode]:
    settings = node_settings(await databases.create(), data_dir, port)
    server = TestServer(create_app(settings), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        ctx = server.app[keys.NODE]
        yield FlowNode(ctx=ctx, runner=build_runner(ctx), server=server, settings=settings)
    finally:
        await server.close()


async def run_until_idle(*nodes: FlowNode, rounds: int = 50) -> None:
    """Drain every node's queues until a full pass over all of them does nothing."""
    for _ in range(rounds):
        handled = 0
        for node in nodes:
            handled += await node.runner.run_until_idle()
        if handled == 0:
            return
    raise AssertionError("queues did not settle")
