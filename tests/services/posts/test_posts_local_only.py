"""A local-only post (DESIGN.md §5) is for people on this node: they see it, and no server
elsewhere is ever sent it, nor its edits or its deletion, whoever follows or is mentioned."""

from __future__ import annotations

from node.services.kernel.context import NodeContext
from node.services.posts import posts, timelines
from node.services.social import follows
from tests.support.outbox import followed_from_afar, queued
from tests.support.people import local_person, remote_actor


async def test_a_local_only_post_never_leaves_the_node(ctx: NodeContext) -> None:
    ana, ben = await local_person(ctx, "ana"), await local_person(ctx, "ben")
    await follows.follow(ctx, ben, "@ana")
    await followed_from_afar(ctx, ana, await remote_actor(ctx, "http://127.0.0.3:9/users/dan"))
    await remote_actor(ctx, "http://127.0.0.2:9/users/cara")

    post = await posts.create_post(
        ctx, ana, "Staff meeting moved to room 4, @cara@127.0.0.2:9", local_only=True
    )

    assert [p.id for p in await timelines.home(ctx, ben)] == [post.id]
    assert [p.id for p in await timelines.public(ctx, ben, local=True)] == [post.id]
    assert await timelines.public(ctx, None, local=True) == [], "not for the signed-out web"
    await posts.edit_post(ctx, ana, post.id, "Staff meeting moved to room 5")
    await posts.delete_post(ctx, ana, post.id)
    assert await queued(ctx) == []
