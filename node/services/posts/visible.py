"""A post that a person here acts on (likes, votes in, bookmarks) must be one they may see."""

from __future__ import annotations

from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.domain.policies import may_see
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts import visibility_facts
from node.storage.posts.posts import Post


async def visible_post(conn: Conn, account: Account, post_id: int, *, what: str = "post") -> Post:
    """The post, if `account` may see it; otherwise NotFound (never Forbidden: a post one may
    not see does not exist for one)."""
    post = await post_store.get_post(conn, post_id)
    if post is None:
        raise NotFound(f"no such {what}")
    viewer = await visibility_facts.viewer_facts(conn, post, account_id=account.id)
    if not may_see(visibility_facts.post_facts(post), viewer):
        raise NotFound(f"no such {what}")
    return post
