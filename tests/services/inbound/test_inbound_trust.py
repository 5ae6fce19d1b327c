"""Trust the signer, never the payload: what a server signs for may change only what its
actor owns, and what a group passes on is believed only as far as FEP-1b12 allows."""

from __future__ import annotations

from typing import Any

import pytest

from node.services.inbound.apply import apply_activity
from node.services.kernel.context import NodeContext
from node.services.kernel.received import Rejected
from node.storage.actors.remote_actors import RemoteActor
from node.storage.posts import posts as post_store
from node.storage.posts.posts import PostFields
from node.storage.social import follows as follow_store
from tests.support.people import local_person, remote_actor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
GROUPS = "http://127.0.0.2:9"  # the group's server (nothing listens: fetches fail at once)
SCHOOL = "http://127.0.0.3:9"  # a third server, where the people it names live
GROUP = f"{GROUPS}/c/maths"
VICTIM = f"{SCHOOL}/users/vera"
VICTIM_POST = f"{SCHOOL}/users/vera/statuses/1"


async def _joined_group(ctx: NodeContext, *, joined: bool = True) -> RemoteActor:
    group = await remote_actor(ctx, GROUP, actor_type="Group")
    if joined:
        ana = await local_person(ctx, "ana")
        async with ctx.db.transaction() as conn:
            await follow_store.insert_follow(
                conn, activity_uri=f"{ctx.urls.base}/activities/join", state="accepted",
                follower_account=ana.id, followee_remote=group.id,
            )  # fmt: skip
    return group


def _announce(inner: dict[str, Any], n: int = 1) -> dict[str, Any]:
    return {"id": f"{GROUP}/announces/{n}", "type": "Announce", "actor": GROUP,
            "to": [PUBLIC], "cc": [f"{GROUP}/followers"], "object": inner}  # fmt: skip


def _note(text: str, *, to: list[str], post_id: str = VICTIM_POST) -> dict[str, Any]:
    return {"id": post_id, "type": "Note", "attributedTo": VICTIM, "content": text,
            "to": to, "cc": [GROUP], "audience": GROUP}  # fmt: skip


def _create(note: dict[str, Any], kind: str = "Create") -> dict[str, Any]:
    return {"id": f"{note['id']}/{kind.lower()}", "type": kind, "actor": VICTIM,
            "to": note["to"], "object": note}  # fmt: skip


async def _stored(ctx: NodeContext, uri: str = VICTIM_POST) -> tuple[str, str] | None:
    async with ctx.db.connection() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    return (post.content_html, post.visibility) if post else None


async def _victims_post(ctx: NodeContext, group: RemoteActor | None, text: str) -> None:
    victim = await remote_actor(ctx, VICTIM)
    async with ctx.db.transaction() as conn:
        await post_store.insert_post(conn, PostFields(
            uri=VICTIM_POST, author_remote=victim.id, content_html=text, visibility="public",
            group_remote=group.id if group else None, title="Fractions" if group else None,
        ))  # fmt: skip


async def test_a_group_nobody_here_joined_is_not_believed(ctx: NodeContext) -> None:
    await _joined_group(ctx, joined=False)
    note = _note("Words put in Vera's mouth", to=[GROUP])

    with pytest.raises(Rejected, match="nobody here has joined"):
        await apply_activity(ctx, _announce(_create(note)), signer=GROUP)

    assert await _stored(ctx) is None


async def test_a_public_post_from_elsewhere_must_be_confirmed_by_its_origin(
    ctx: NodeContext,
) -> None:
    await _joined_group(ctx)
    note = _note("Words put in Vera's mouth", to=[PUBLIC, GROUP])

    with pytest.raises(Rejected, match="origin does not confirm"):
        await apply_activity(ctx, _announce(_create(note)), signer=GROUP)

    assert await _stored(ctx) is None


async def test_a_post_only_the_group_vouches_for_is_kept_for_its_members_alone(
    ctx: NodeContext,
) -> None:
    group = await _joined_group(ctx)
    await remote_actor(ctx, VICTIM)
    note = _note("Our next meeting is on Tuesday", to=[GROUP, f"{VICTIM}/followers"])

    await apply_activity(ctx, _announce(_create(note)), signer=GROUP)

    assert await _stored(ctx) == ("Our next meeting is on Tuesday", "group")
    async with ctx.db.connection() as conn:
        post = await post_store.get_post_by_uri(conn, VICTIM_POST)
    assert post is not None and post.group_remote == group.id


async def test_an_announce_not_signed_by_its_group_is_refused(ctx: NodeContext) -> None:
    await _joined_group(ctx)
    note = _note("Hello", to=[GROUP])

    with pytest.raises(Rejected, match="not signed by its group"):
        await apply_activity(ctx, _announce(_create(note)), signer=f"{GROUPS}/u/mallory")


async def test_an_announced_update_of_a_post_outside_the_group_changes_nothing(
    ctx: NodeContext,
) -> None:
    await _joined_group(ctx)
    await _victims_post(ctx, None, "Vera's own words")
    update = _create(_note("Rewritten", to=[GROUP]), kind="Update")

    with pytest.raises(Rejected, match="outside the announcing group"):
        await apply_activity(ctx, _announce(update), signer=GROUP)

    assert await _stored(ctx) == ("Vera's own words", "public")


async def test_an_announced_delete_needs_the_group_or_the_origin(ctx: NodeContext) -> None:
    group = await _joined_group(ctx)
    await _victims_post(ctx, None, "Vera's own words")
    delete = {"id": f"{VICTIM_POST}/delete", "type": "Delete", "actor": VICTIM,
              "object": VICTIM_POST}  # fmt: skip

    with pytest.raises(Rejected, match="its origin still has"):
        await apply_activity(ctx, _announce(delete), signer=GROUP)
    assert await _stored(ctx) == ("Vera's own words", "public")

    async with ctx.db.transaction() as conn:  # the same post, now in the group's thread
        await conn.execute("UPDATE posts SET group_remote = $1 WHERE uri = $2", group.id,
                           VICTIM_POST)  # fmt: skip
    await apply_activity(ctx, _announce(delete, n=2), signer=GROUP)
    assert await _stored(ctx) is None  # the group's moderation of its own thread


async def test_an_actor_delete_inside_an_announce_is_never_applied(ctx: NodeContext) -> None:
    await _joined_group(ctx)
    victim = await remote_actor(ctx, VICTIM)
    delete = {"id": f"{VICTIM}#delete", "type": "Delete", "actor": VICTIM, "object": VICTIM}

    with pytest.raises(Rejected, match="never applied"):
        await apply_activity(ctx, _announce(delete), signer=GROUP)

    async with ctx.db.connection() as conn:
        assert await conn.fetchval("SELECT id FROM remote_actors WHERE uri = $1", VICTIM) == (
            victim.id
        )


async def test_an_update_changes_a_post_only_for_its_stored_author(ctx: NodeContext) -> None:
    await _victims_post(ctx, None, "Vera's own words")
    mallory = f"{SCHOOL}/users/mallory"  # same server, another person
    await remote_actor(ctx, mallory)
    forged = {"id": f"{mallory}/updates/1", "type": "Update", "actor": mallory,
              "object": {"id": VICTIM_POST, "type": "Note", "attributedTo": mallory,
                         "content": "Rewritten by Mallory", "to": [PUBLIC]}}  # fmt: skip

    with pytest.raises(Rejected, match="someone else's post"):
        await apply_activity(ctx, forged, signer=mallory)

    assert await _stored(ctx) == ("Vera's own words", "public")


async def test_a_stranger_cannot_boost_or_like_a_followers_only_post(ctx: NodeContext) -> None:
    from node.services.posts import posts

    ana = await local_person(ctx, "ana")
    private = await posts.create_post(ctx, ana, "For my followers", visibility="followers")
    stranger = await remote_actor(ctx, f"{SCHOOL}/users/sam")
    for n, kind in enumerate(("Announce", "Like")):
        activity = {"id": f"{stranger.uri}/{kind}/{n}", "type": kind, "actor": stranger.uri,
                    "object": private.uri}  # fmt: skip
        with pytest.raises(Rejected, match="may not see or boost"):
            await apply_activity(ctx, activity, signer=stranger.uri)

    async with ctx.db.connection() as conn:
        reactions = await conn.fetchval("SELECT (SELECT count(*) FROM boosts) + "
                                        "(SELECT count(*) FROM likes)")  # fmt: skip
        notified = await conn.fetchval("SELECT count(*) FROM notifications")
    assert (reactions, notified) == (0, 0)


async def test_an_object_on_a_host_dns_cannot_carry_is_refused_not_retried(
    ctx: NodeContext,
) -> None:
    sender = await remote_actor(ctx, f"{SCHOOL}/users/sam")
    bad = f"http://{'a' * 64}.example/notes/1"
    create = {"id": f"{sender.uri}/creates/9", "type": "Create", "actor": sender.uri,
              "object": bad}  # fmt: skip

    with pytest.raises(Rejected, match="could not be fetched"):
        await apply_activity(ctx, create, signer=sender.uri)
