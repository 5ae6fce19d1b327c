"""The one outbound path: who gets an activity is decided in `federate.send`, once."""

from __future__ import annotations

from federation.render import render_create
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.social import follows as follow_store
from tests.support.people import local_person, remote_actor

SCHOOL = "http://127.0.0.2:9"
OTHER = "http://127.0.0.3:9"


def _note(ctx: NodeContext, text: str) -> dict[str, object]:
    return {"id": f"{ctx.urls.base}/notes/{text}", "type": "Note", "content": text}


async def _deliveries(ctx: NodeContext, activity_id: str) -> list[str]:
    async with ctx.db.connection() as conn:
        rows = await conn.fetch(
            """SELECT d.inbox FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id
               WHERE a.uri = $1 ORDER BY d.inbox""",
            activity_id,
        )
    return [row["inbox"] for row in rows]


async def test_followers_on_one_server_share_one_delivery(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    shared = f"{SCHOOL}/inbox"
    followers = [
        await remote_actor(ctx, f"{SCHOOL}/users/ben", shared_inbox=shared),
        await remote_actor(ctx, f"{SCHOOL}/users/cara", shared_inbox=shared),
        await remote_actor(ctx, f"{OTHER}/users/dan"),  # a server without a shared inbox
    ]
    async with ctx.db.transaction() as conn:
        for n, follower in enumerate(followers):
            await follow_store.insert_follow(
                conn, activity_uri=f"{follower.uri}/follows/{n}", state="accepted",
                follower_remote=follower.id, followee_account=ana.id,
            )  # fmt: skip
        activity = await federate.send(
            ctx, conn, federate.Sender.of(ctx.urls, ana), render_create, _note(ctx, "hello"),
            federate.Audience(followers=True, actors=(f"{SCHOOL}/users/ben",)),
        )  # fmt: skip

    assert activity is not None
    assert await _deliveries(ctx, activity["id"]) == [shared, f"{OTHER}/users/dan/inbox"]


async def test_a_direct_message_goes_to_personal_inboxes_and_never_to_people_here(
    ctx: NodeContext,
) -> None:
    ana = await local_person(ctx, "ana")
    await local_person(ctx, "zoe")
    ben = await remote_actor(ctx, f"{SCHOOL}/users/ben", shared_inbox=f"{SCHOOL}/inbox")
    async with ctx.db.transaction() as conn:
        activity = await federate.send(
            ctx, conn, federate.Sender.of(ctx.urls, ana), render_create, _note(ctx, "psst"),
            federate.Audience(to=(ben.uri,), actors=(ben.uri, ctx.urls.actor("zoe")), direct=True),
        )  # fmt: skip

    assert activity is not None and activity["to"] == [ben.uri]
    assert await _deliveries(ctx, activity["id"]) == [f"{SCHOOL}/users/ben/inbox"]


async def test_a_local_only_object_never_leaves(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    ben = await remote_actor(ctx, f"{SCHOOL}/users/ben")
    async with ctx.db.transaction() as conn:
        sent = await federate.send(
            ctx, conn, federate.Sender.of(ctx.urls, ana), render_create, _note(ctx, "staff"),
            federate.Audience.person(ben.uri), local_only=True,
        )  # fmt: skip
        stored = await conn.fetchval("SELECT count(*) FROM outbound_activities")

    assert sent is None and stored == 0
