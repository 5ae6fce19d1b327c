"""Who follows a local person and whom they follow, a page at a time, latest follow first.

The same people as the `followers` and `following` collections that any server may read
(services.actors.collection), so listing them shows nothing new; and, like those collections,
only for people who are published (a confirmed, approved account).
"""

from __future__ import annotations

from node.domain.accounts import Account, AccountId
from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.services.kernel.paging import PeoplePage
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.keyset import Cursor
from node.storage.pool import Conn
from node.storage.social import follows as store
from node.storage.social.follows import FollowSide

__all__ = ["Cursor", "PeoplePage", "followers", "following"]


async def followers(ctx: NodeContext, account: Account, cursor: Cursor) -> PeoplePage:
    return await _side(ctx, account, cursor, followers=True)


async def following(ctx: NodeContext, account: Account, cursor: Cursor) -> PeoplePage:
    return await _side(ctx, account, cursor, followers=False)


async def _side(
    ctx: NodeContext, account: Account, cursor: Cursor, *, followers: bool
) -> PeoplePage:
    async with ctx.db.connection() as conn:
        if await account_store.get_active_account_by_username(conn, account.username) is None:
            raise NotFound(f"no account @{account.username}")
        page = await store.follows_page(conn, account.id, cursor, followers=followers)
        people = [await _person(conn, side) for side in page]
    return PeoplePage([p for p in people if p is not None], [side.follow_id for side in page])


async def _person(conn: Conn, side: FollowSide) -> Account | RemoteActor | None:
    if side.account_id is not None:
        return await account_store.get_account(conn, AccountId(side.account_id))
    return await actor_store.get_remote_actor(conn, side.remote_id or 0)
