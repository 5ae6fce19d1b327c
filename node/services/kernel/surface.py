"""What a new post makes appear for people here, whether it was written here or arrived from
another server: the notifications of those it mentions and of the author it replies to.

Both entry points (services.posts for a local post, services.posts.inbound for a remote one)
end here, as GoToSocial's `processing/workers/surface*.go` serve its client and federation
sides alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts.extras import StoredMention
from node.storage.posts.posts import Post
from node.storage.social import notifications


async def notify_mentions_and_reply(
    conn: Conn, post: Post, mentions: Sequence[StoredMention], *,
    from_account: int | None = None, from_remote: int | None = None,
) -> None:  # fmt: skip
    """Notify each of our people the post mentions, and the author of the post it replies to."""
    for mention in mentions:
        if mention.account_id is not None:
            await notifications.notify(
                conn, mention.account_id, "mention", from_account=from_account,
                from_remote=from_remote, post_id=post.id,
            )  # fmt: skip
    if post.in_reply_to_id is None:
        return
    parent = await post_store.get_post(conn, post.in_reply_to_id)
    if parent is not None and parent.author_account is not None:
        await notifications.notify(
            conn, parent.author_account, "reply", from_account=from_account,
            from_remote=from_remote, post_id=post.id,
        )  # fmt: skip
