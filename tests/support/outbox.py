"""What a node has queued for other servers (`outbound_activities` and their `deliveries`), and
followers elsewhere to queue it for, for use-case tests that run no delivery worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.storage.actors.remote_actors import RemoteActor
from node.storage.social import follows as follow_store


@dataclass(frozen=True, slots=True)
class Queued:
    """One activity waiting to leave, and the inboxes it is to be delivered to (sorted)."""

    type: str
    body: dict[str, Any]
    inboxes: list[str]

    @property
    def object_id(self) -> Any:
        """The id of the activity's object (the object itself when it is a bare URI)."""
        obj = self.body.get("object")
        return obj.get("id") if isinstance(obj, dict) else obj


async def queued(ctx: NodeContext, activity_type: str | None = None) -> list[Queued]:
    """Every activity queued so far (or only those of one type), oldest first."""
    async with ctx.db.connection() as conn:
        rows = await conn.fetch(
            """SELECT o.activity_type, o.body::text AS body,
                      coalesce(array_agg(d.inbox ORDER BY d.inbox)
                               FILTER (WHERE d.inbox IS NOT NULL), '{}') AS inboxes
               FROM outbound_activities o LEFT JOIN deliveries d ON d.activity_id = o.id
               WHERE $1::text IS NULL OR o.activity_type = $1
               GROUP BY o.id ORDER BY o.id""",
            activity_type,
        )
    return [Queued(row["activity_type"], orjson.loads(row["body"]), list(row["inboxes"]))
            for row in rows]  # fmt: skip


async def followed_from_afar(ctx: NodeContext, account: Account, *followers: RemoteActor) -> None:
    """These actors elsewhere follow `account` (their Follow accepted long ago)."""
    async with ctx.db.transaction() as conn:
        for follower in followers:
            await follow_store.insert_follow(
                conn, activity_uri=f"{follower.uri}/follows/{account.username}",
                state="accepted", follower_remote=follower.id, followee_account=account.id,
            )  # fmt: skip
