"""From a local person: remember where they stopped reading their home timeline and their
notifications, so every app they sign in to opens at the same place (Mastodon's markers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.services.kernel.context import NodeContext
from node.storage.social import markers as store
from node.storage.social.markers import Marker

__all__ = ["TIMELINES", "Marker", "markers", "save_markers"]

TIMELINES: Final = ("home", "notifications")


async def markers(ctx: NodeContext, account: Account, timelines: list[str]) -> list[Marker]:
    """The markers of these timelines that have been set (unknown names are ignored)."""
    wanted = [t for t in dict.fromkeys(timelines) if t in TIMELINES]
    if not wanted:
        return []
    async with ctx.db.connection() as conn:
        return await store.markers_of(conn, account.id, wanted)


async def save_markers(
    ctx: NodeContext, account: Account, positions: Mapping[str, int]
) -> list[Marker]:
    """Move each named timeline's marker to its last read id, all or none."""
    for timeline, last_read_id in positions.items():
        if timeline not in TIMELINES:
            raise ValidationFailed("timeline", f"choose one of {', '.join(TIMELINES)}")
        if last_read_id <= 0:
            raise ValidationFailed("last_read_id", "must be an id")
    async with ctx.db.transaction() as conn:
        return [
            await store.set_marker(conn, account.id, timeline, last_read_id)
            for timeline, last_read_id in positions.items()
        ]
