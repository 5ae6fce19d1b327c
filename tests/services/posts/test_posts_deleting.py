"""Deleting a post (node.services.posts.posts.delete_post): it is gone here, a tombstone
remembers it, and every server that got its Create gets a Delete; only its author may do it."""

from __future__ import annotations

import pytest

from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.services.posts import posts, timelines
from node.storage.posts import posts as post_store
from tests.support.outbox import followed_from_afar, queued
from tests.support.people import local_person, remote_actor

SCHOOL = "http://127.0.0.2:9"


async def test_a_deleted_post_is_gone_and_deleted_wherever_it_went(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    await followed_from_afar(ctx, ana, await remote_actor(ctx, "http://127.0.0.3:9/users/dan"))
    await remote_actor(ctx, f"{SCHOOL}/users/cara")
    post = await posts.create_post(ctx, ana, "Wrong room, @cara@127.0.0.2:9, sorry")
    [create] = await queued(ctx, "Create")

    await posts.delete_post(ctx, ana, post.id)

    with pytest.raises(NotFound):
        await timelines.thread(ctx, ana, post.id)
    assert (await timelines.profile(ctx, ana, "ana"))[1] == []
    async with ctx.db.connection() as conn:
        assert await post_store.is_tombstoned(conn, post.uri)
    [delete] = await queued(ctx, "Delete")
    assert delete.inboxes == create.inboxes == [f"{SCHOOL}/users/cara/inbox",
                                                "http://127.0.0.3:9/users/dan/inbox"]  # fmt: skip
    assert delete.object_id == post.uri and delete.body["object"]["type"] == "Tombstone"


async def test_only_its_author_edits_or_deletes_a_post(ctx: NodeContext) -> None:
    ana, ben = await local_person(ctx, "ana"), await local_person(ctx, "ben")
    post = await posts.create_post(ctx, ana, "Mine")

    with pytest.raises(NotFound):
        await posts.edit_post(ctx, ben, post.id, "Ben's now")
    with pytest.raises(NotFound):
        await posts.delete_post(ctx, ben, post.id)

    shown, _ = await timelines.thread(ctx, ben, post.id)
    assert shown.content_html == "<p>Mine</p>" and shown.edited_at is None
    assert await posts.edit_history(ctx, post.id) == []
