"""Editing a post (node.services.posts.posts.edit_post): the new text replaces the old, the
old stays readable in the history, and the servers that had the post get an Update."""

from __future__ import annotations

from node.services.kernel.context import NodeContext
from node.services.posts import posts, timelines
from tests.support.outbox import followed_from_afar, queued
from tests.support.people import local_person, remote_actor


async def test_an_edit_keeps_the_earlier_version_and_reaches_the_followers(
    ctx: NodeContext,
) -> None:
    ana = await local_person(ctx, "ana")
    dan = await remote_actor(ctx, "http://127.0.0.3:9/users/dan")
    await followed_from_afar(ctx, ana, dan)
    post = await posts.create_post(ctx, ana, "Field trip on *Monday*", summary="Trip")

    # An edit without a content warning keeps the one the post had...
    edited = await posts.edit_post(ctx, ana, post.id, "Field trip on *Tuesday*")
    assert "<em>Tuesday</em>" in edited.content_html and edited.edited_at is not None
    assert (edited.summary, edited.sensitive) == ("Trip", True)
    # ...and an empty one removes it.
    again = await posts.edit_post(ctx, ana, post.id, "Field trip on Wednesday", summary="")
    assert (again.summary, again.sensitive) == (None, False)

    shown, _ = await timelines.thread(ctx, None, post.id)
    assert "Wednesday" in shown.content_html and shown.summary is None
    history = await posts.edit_history(ctx, post.id)
    assert [("Monday" in e.content_html, "Tuesday" in e.content_html) for e in history] == [
        (True, False),
        (False, True),
    ]
    assert [e.summary for e in history] == ["Trip", "Trip"]
    assert (await posts.own_post_source(ctx, ana, post.id))[1] == "Field trip on Wednesday"
    updates = await queued(ctx, "Update")
    assert [(u.object_id, u.inboxes) for u in updates] == [(post.uri, [f"{dan.uri}/inbox"])] * 2
    assert "Wednesday" in updates[1].body["object"]["content"]
    assert updates[1].body["object"].get("summary") is None
