"""From a server: reports (`Flag`) about our people or their posts."""

from __future__ import annotations

from node.services.kernel.context import NodeContext
from node.services.kernel.received import Received, Unsupported


async def on_flag(ctx: NodeContext, received: Received) -> None:
    raise Unsupported("reports from other servers (Flag) are not supported yet")
