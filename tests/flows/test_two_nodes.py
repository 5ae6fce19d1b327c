"""Two Commonroom nodes federating over real HTTP on loopback: each step asserted on the
receiving side."""

from __future__ import annotations

import aiohttp

from node.services.posts import posts, reactions
from node.services.social import follows
from tests.support.federation import FlowNode, run_until_idle


async def _fetchval(node: FlowNode, query: str, *args: object) -> object:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def test_follow_by_handle_is_accepted_across_nodes(pair: tuple[FlowNode, FlowNode]) -> None:
    a, b = pair
    ana, ben = await a.user("ana"), await b.user("ben")
    follow = await follows.follow(a.ctx, ana, f"@ben@{b.host}")
    assert follow.state == "pending"
    await run_until_idle(a, b)
    # B knows A's teacher follows Ben, and A knows B accepted.
    assert (
        await _fetchval(
            b,
            "SELECT state FROM follows f JOIN remote_actors r ON r.id = f.follower_remote "
            "WHERE r.uri = $1",
            a.ctx.urls.actor("ana"),
        )
        == "accepted"
    )
    assert await _fetchval(a, "SELECT state FROM follows WHERE id = $1", follow.id) == "accepted"
    assert ben.username == "ben"


async def test_post_reply_like_edit_delete_and_unfollow(pair: tuple[FlowNode, FlowNode]) -> None:
    a, b = pair
    ana, ben = await a.user("ana"), await b.user("ben")
    await follows.follow(a.ctx, ana, f"@ben@{b.host}")
    await follows.follow(b.ctx, ben, a.ctx.urls.actor("ana"))
    await run_until_idle(a, b)

    post = await posts.create_post(b.ctx, ben, "Our Year 7 fractions unit\n\nMaterials inside.")
    await run_until_idle(a, b)
    seen = await _fetchval(a, "SELECT content_html FROM posts WHERE uri = $1", post.uri)
    assert seen == "<p>Our Year 7 fractions unit</p>\n<p>Materials inside.</p>"

    reply = await posts.create_post(a.ctx, ana, "Thanks, using it Monday!", in_reply_to=post.uri)
    await run_until_idle(a, b)
    assert (
        await _fetchval(b, "SELECT in_reply_to_id FROM posts WHERE uri = $1", reply.uri) == post.id
    ), "the reply threads under Ben's post on B"

    on_a = await _fetchval(a, "SELECT id FROM posts WHERE uri = $1", post.uri)
    assert isinstance(on_a, int)
    await reactions.like(a.ctx, ana, on_a)
    await reactions.boost(a.ctx, ana, on_a)
    await run_until_idle(a, b)
    assert await _fetchval(b, "SELECT count(*) FROM likes WHERE post_id = $1", post.id) == 1
    assert await _fetchval(b, "SELECT count(*) FROM boosts WHERE post_id = $1", post.id) == 1

    await posts.edit_post(b.ctx, ben, post.id, "Our Year 7 fractions unit, revised")
    await run_until_idle(a, b)
    assert (
        await _fetchval(a, "SELECT content_html FROM posts WHERE uri = $1", post.uri)
        == "<p>Our Year 7 fractions unit, revised</p>"
    )

    await posts.delete_post(b.ctx, ben, post.id)
    await run_until_idle(a, b)
    assert await _fetchval(a, "SELECT count(*) FROM posts WHERE uri = $1", post.uri) == 0

    await follows.unfollow(a.ctx, ana, f"@ben@{b.host}")
    await run_until_idle(a, b)
    assert (
        await _fetchval(
            b,
            "SELECT count(*) FROM follows f JOIN remote_actors r ON r.id = f.follower_remote "
            "WHERE r.uri = $1",
            a.ctx.urls.actor("ana"),
        )
        == 0
    )


async def test_followers_only_post_reaches_followers_but_is_not_served_publicly(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana, ben = await a.user("ana"), await b.user("ben")
    await follows.follow(a.ctx, ana, f"@ben@{b.host}")
    await run_until_idle(a, b)
    private = await posts.create_post(b.ctx, ben, "Staff room only", visibility="followers")
    await run_until_idle(a, b)
    assert await _fetchval(a, "SELECT visibility FROM posts WHERE uri = $1", private.uri) == (
        "followers"
    )
    accept = {"Accept": "application/activity+json"}
    async with aiohttp.ClientSession() as http:
        async with http.get(private.uri, headers=accept) as hidden:
            assert hidden.status == 404
            assert "Staff room" not in await hidden.text()
        public = await posts.create_post(b.ctx, ben, "Open to all")
        async with http.get(public.uri, headers=accept) as shown:
            assert shown.status == 200
            assert shown.headers["Content-Type"].startswith("application/activity+json")
            assert (await shown.json())["content"] == "<p>Open to all</p>"
