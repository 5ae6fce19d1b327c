"""Who a post's activities (its Create, Update, Delete) go to, for `federate`.

A post is addressed by its visibility (node.services.posts.as2.post_audience) and delivered to
the author's followers (unless it is direct or goes into a group elsewhere), the people
elsewhere it mentions and, for a public reply, the author of the post it answers, so the thread
holds together on their server. In a group elsewhere it goes to the group, which announces it
to the members; in a group here the group relays it (node.services.posts.placement), and only
the people elsewhere whom a public post mentions get it directly.
"""

from __future__ import annotations

from node.domain.accounts import Account
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import Audience
from node.services.posts.as2 import PostExtras, post_audience
from node.storage.pool import Conn
from node.storage.posts.posts import Post
from node.storage.social import follows as follow_store

PUBLICLY = ("public", "unlisted")


async def audience_of(
    ctx: NodeContext, conn: Conn, author: Account, post: Post, extras: PostExtras
) -> Audience:
    to, cc = post_audience(ctx.urls, author.username, post, extras)
    mentioned = [m.actor_uri for m in extras.mentions if m.account_id is None]
    if post.group_account is not None:
        public = post.visibility in PUBLICLY
        named = tuple(a for a in mentioned if a != extras.group_uri) if public else ()
        return Audience(to=to, cc=cc, actors=named, group=extras.group_uri)
    actors = [extras.group_uri] if post.group_remote is not None and extras.group_uri else []
    actors += mentioned
    if post.in_reply_to_id is not None and post.visibility in PUBLICLY:
        parent_author = await follow_store.remote_author_uri(conn, post.in_reply_to_id)
        if parent_author:
            actors.append(parent_author)
    return Audience(
        to=to, cc=cc, actors=tuple(actors), group=extras.group_uri,
        followers=post.group_remote is None and post.visibility != "direct",
        direct=post.visibility == "direct",
    )  # fmt: skip
