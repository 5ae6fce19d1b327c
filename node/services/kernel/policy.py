"""The node's federation policy: the one place that decides which servers we hear from and
which we deliver to.

`federate` asks `deliverable` about every delivery it writes, and the inbox asks
`refuses_inbound` about every request that verified. Nothing is restricted yet; the district
moderation settings (domain blocks, a partner allow-list) plug in here, so that neither a new
feature nor a new activity type can go around them.
"""

from __future__ import annotations

from collections.abc import Sequence

from node.storage.pool import Conn


async def refuses_inbound(conn: Conn, actor_uri: str) -> str | None:
    """Why we will not take activities from this actor's server (None: we will)."""
    del conn, actor_uri
    return None


async def deliverable(conn: Conn, inboxes: Sequence[str]) -> list[str]:
    """The inboxes, in order, that we may deliver to."""
    del conn
    return list(inboxes)
