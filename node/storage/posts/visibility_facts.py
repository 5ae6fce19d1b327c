"""The facts node.domain.policies.may_see needs about one viewer and one post."""

from __future__ import annotations

from node.domain.policies import PostFacts, ViewerFacts
from node.storage.pool import Conn
from node.storage.posts.posts import Post


def post_facts(post: Post) -> PostFacts:
    return PostFacts(
        post.visibility, post.local_only, post.author_account, post.author_remote,
        post.group_account, post.group_remote,
    )  # fmt: skip


async def viewer_facts(
    conn: Conn, post: Post, *, account_id: int | None = None, remote_id: int | None = None
) -> ViewerFacts:
    if account_id is None and remote_id is None:
        return ViewerFacts()
    row = await conn.fetchrow(
        """SELECT
             EXISTS (SELECT 1 FROM follows f WHERE f.state = 'accepted'
                     AND (f.follower_account = $2 OR f.follower_remote = $3)
                     AND (f.followee_account = $4 OR f.followee_remote = $5)) AS follows,
             EXISTS (SELECT 1 FROM post_mentions m WHERE m.post_id = $1
                     AND (m.account_id = $2 OR m.actor_uri =
                          (SELECT uri FROM remote_actors WHERE id = $3))) AS mentioned,
             EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $4
                     AND (b.blocked_account = $2 OR b.blocked_remote = $3)) AS blocked,
             (EXISTS (SELECT 1 FROM follows f WHERE f.state = 'accepted'
                     AND (f.follower_account = $2 OR f.follower_remote = $3)
                     AND (f.followee_account = $6 OR f.followee_remote = $7))
              OR $7 = $3 OR $6 = $2) AS member""",
        post.id, account_id, remote_id, post.author_account, post.author_remote,
        post.group_account, post.group_remote,
    )  # fmt: skip
    assert row is not None
    return ViewerFacts(
        account_id=account_id,
        remote_actor_id=remote_id,
        follows_author=row["follows"],
        mentioned=row["mentioned"],
        blocked_by_author=row["blocked"],
        member_of_group=bool(row["member"]),
    )
