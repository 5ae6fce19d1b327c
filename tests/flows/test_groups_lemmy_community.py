"""Our teachers in a Lemmy community, offline: recorded Lemmy payloads (tests/fixtures/remote)
go through the same inbound handlers as a delivery, and what we send back is Lemmy-shaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from federation.parse import parse_activity, parse_actor
from federation.parse_types import Activity, Actor
from node.services.actors import directory
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.inbound.apply import apply_activity
from node.storage.actors import remote_actors as actor_store
from node.storage.social import follows as follow_store
from tests.support.federation import FlowNode

FIXTURES = Path(__file__).parents[1] / "fixtures" / "remote" / "lemmy.example"
ANNOUNCE = "activities/announce/create/a1b2c3d4-e5f6-4789-9abc-def012345678.json"
COMMUNITY = "https://lemmy.example/c/biology"


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


async def _known_actor(node: FlowNode, name: str) -> int:
    document = _load(name)
    actor = parse_actor(document)
    assert isinstance(actor, Actor)
    async with node.ctx.db.transaction() as conn:
        stored = await actor_store.upsert_remote_actor(conn, directory._fields(actor, document))
    return stored.id


async def test_a_member_reads_a_lemmy_thread_and_replies_to_the_community(node: FlowNode) -> None:
    ana = await node.user("ana")
    community_id = await _known_actor(node, "c/biology.json")
    await _known_actor(node, "u/maria.json")
    async with node.ctx.db.transaction() as conn:
        await follow_store.insert_follow(
            conn, activity_uri=f"{node.url}/activities/join-biology", state="accepted",
            follower_account=ana.id, followee_remote=community_id,
        )  # fmt: skip

    announce = _load(ANNOUNCE)
    assert isinstance(parse_activity(announce), Activity)
    await apply_activity(node.ctx, announce, signer=COMMUNITY)

    community = await groups.find_group(node.ctx, COMMUNITY)
    assert community.handle == "biology@lemmy.example" and not community.local
    threads = await group_posts.thread_list(node.ctx, ana, community)
    assert [t.row.title for t in threads] == ["Cheap microscope slides from onion skin"]
    assert threads[0].first.uri == "https://lemmy.example/post/4242"
    assert threads[0].first.visibility == "public"

    await group_posts.reply(node.ctx, ana, threads[0].first.id, "Iodine stains work well too.")
    async with node.ctx.db.connection() as conn:
        row = await conn.fetchrow(
            """SELECT a.body, d.inbox FROM outbound_activities a
               JOIN deliveries d ON d.activity_id = a.id ORDER BY a.id DESC LIMIT 1"""
        )
    assert row is not None
    body = json.loads(row["body"])
    assert row["inbox"] == "https://lemmy.example/inbox"
    assert body["type"] == "Create" and body["audience"] == COMMUNITY
    note = body["object"]
    assert note["type"] == "Note" and note["inReplyTo"] == "https://lemmy.example/post/4242"
    assert note["audience"] == COMMUNITY
    assert {"type": "Mention", "href": COMMUNITY, "name": "@biology@lemmy.example"} in note["tag"]


async def test_an_announce_from_something_that_is_not_a_group_is_refused(node: FlowNode) -> None:
    import pytest

    from node.services.kernel.received import Rejected

    await _known_actor(node, "u/maria.json")
    document = _load(ANNOUNCE)
    document["actor"] = "https://lemmy.example/u/maria"  # a person cannot relay as a group
    assert isinstance(parse_activity(document), Activity)
    with pytest.raises(Rejected):
        await apply_activity(node.ctx, document, signer=document["actor"])
    async with node.ctx.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0
