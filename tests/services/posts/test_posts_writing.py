"""Writing a post (node.services.posts.posts.create_post): what it links, whom it tells, what it
carries, and the one Create it queues for the servers that should have it."""

from __future__ import annotations

from typing import Any

import pytest

from node.domain.errors import ValidationFailed
from node.services.kernel.context import NodeContext
from node.services.posts import polls, posts, timelines
from node.services.posts.polls import PollDraft
from node.services.social import notifications
from tests.support.outbox import followed_from_afar, queued
from tests.support.people import local_person, remote_actor

SCHOOL = "http://127.0.0.2:9"


async def test_mentions_and_hashtags_are_links_and_the_people_mentioned_hear_of_it(
    ctx: NodeContext,
) -> None:
    ana, ben = await local_person(ctx, "ana"), await local_person(ctx, "ben")
    cara = await remote_actor(ctx, f"{SCHOOL}/users/cara", shared_inbox=f"{SCHOOL}/inbox")

    post = await posts.create_post(
        ctx, ana, "Thanks @ben and @cara@127.0.0.2:9 for judging the #ScienceFair"
    )

    html = post.content_html
    assert f'<a href="{ctx.urls.actor("ben")}" class="u-url mention">' in html
    assert f'<a href="{cara.uri}" class="u-url mention">' in html
    assert f'href="{ctx.urls.base}/tags/sciencefair" class="mention hashtag"' in html
    assert [p.id for p in await timelines.hashtag(ctx, None, "sciencefair")] == [post.id]
    told = await notifications.list_notifications(ctx, ben)
    assert [(n.kind, n.post_id) for n in told] == [("mention", post.id)]
    assert await notifications.list_notifications(ctx, ana) == []
    # Cara's server is the only one to hear of it (ana has no followers yet), at her own inbox
    # or her server's shared one, and her mention is in the note it gets.
    [create] = await queued(ctx, "Create")
    assert create.inboxes == [f"{SCHOOL}/inbox"]
    assert create.object_id == post.uri
    assert {"type": "Mention", "href": cara.uri, "name": "@cara@127.0.0.2:9"} in [
        {k: tag.get(k) for k in ("type", "href", "name")} for tag in create.body["object"]["tag"]
    ]


async def test_a_poll_and_a_content_warning_go_with_the_post_to_its_followers(
    ctx: NodeContext,
) -> None:
    ana = await local_person(ctx, "ana")
    dan = await remote_actor(ctx, "http://127.0.0.3:9/users/dan")
    await followed_from_afar(ctx, ana, dan)

    post = await posts.create_post(
        ctx, ana, "Which day for the trip?", summary="  Trip planning ",
        poll=PollDraft(("Thursday", "Friday")),
    )  # fmt: skip

    assert post.summary == "Trip planning" and post.sensitive
    poll = (await polls.polls_for_posts(ctx, None, [post.id]))[post.id].poll
    assert (poll.options, poll.counts, poll.multiple) == (["Thursday", "Friday"], [0, 0], False)
    [create] = await queued(ctx, "Create")
    assert create.inboxes == [f"{dan.uri}/inbox"]
    question = create.body["object"]
    assert question["type"] == "Question"
    assert (question["summary"], question["sensitive"]) == ("Trip planning", True)
    assert [choice["name"] for choice in question["oneOf"]] == ["Thursday", "Friday"]


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("   ", {}, "text"),
    ("x" * 5001, {}, "text"),
    ("Hello", {"visibility": "everyone"}, "visibility"),
    ("Hello", {"summary": "w" * 501}, "summary"),
    ("Hello", {"poll": PollDraft(("Only one choice",))}, "poll"),
]


async def test_a_post_that_breaks_a_rule_is_refused_and_nothing_is_kept(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    await followed_from_afar(ctx, ana, await remote_actor(ctx, f"{SCHOOL}/users/ben"))

    for text, options, field in REFUSED:
        with pytest.raises(ValidationFailed) as refused:
            await posts.create_post(ctx, ana, text, **options)
        assert refused.value.field == field, (text[:10], options)

    assert (await timelines.profile(ctx, ana, "ana"))[1] == []
    assert await queued(ctx) == []
