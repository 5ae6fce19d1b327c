"""A Lemmy community sticks and unsticks a thread (Lemmy's `featured`): a moderator's `Add` or
`Remove` to the community's featured collection, announced by the community, pins our copy of
the thread; the same from the wrong actor or for another collection changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from federation.parse import parse_activity
from federation.parse_types import Activity
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.services.inbound.apply import apply_activity
from node.services.kernel.received import Rejected
from node.storage.social import follows as follow_store
from tests.flows.test_groups_lemmy_community import ANNOUNCE, COMMUNITY, _known_actor, _load
from tests.support.federation import FlowNode

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
POST = "https://lemmy.example/post/4242"


def _pin(kind: str, actor: str, target: str = f"{COMMUNITY}/featured") -> dict[str, Any]:
    """Lemmy 0.19's CollectionAdd / CollectionRemove of a stickied post."""
    return {
        "id": f"https://lemmy.example/activities/{kind.lower()}/{actor.rsplit('/', 1)[-1]}",
        "type": kind, "actor": actor, "to": [PUBLIC], "cc": [COMMUNITY], "audience": COMMUNITY,
        "object": POST, "target": target,
    }  # fmt: skip


def _announced(inner: dict[str, Any]) -> dict[str, Any]:
    raw = {
        "@context": ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"],
        "id": inner["id"].replace("/activities/", "/activities/announce/"),
        "type": "Announce", "actor": COMMUNITY, "to": [PUBLIC],
        "cc": [f"{COMMUNITY}/followers"], "object": inner,
    }  # fmt: skip
    assert isinstance(parse_activity(raw), Activity)
    return raw


async def _thread_from_lemmy(node: FlowNode) -> Any:
    ana = await node.user("ana")
    community_id = await _known_actor(node, "c/biology.json")
    await _known_actor(node, "u/maria.json")
    async with node.ctx.db.transaction() as conn:
        await follow_store.insert_follow(
            conn, activity_uri=f"{node.url}/activities/join-biology", state="accepted",
            follower_account=ana.id, followee_remote=community_id,
        )  # fmt: skip
    await apply_activity(node.ctx, _load(ANNOUNCE), signer=COMMUNITY)
    return ana


async def _pinned(node: FlowNode) -> bool:
    async with node.ctx.db.connection() as conn:
        value: bool = await conn.fetchval("SELECT thread_pinned FROM posts WHERE uri = $1", POST)
    return value


async def test_a_moderators_announced_add_pins_the_thread_and_remove_unpins_it(
    node: FlowNode,
) -> None:
    ana = await _thread_from_lemmy(node)
    maria = "https://lemmy.example/u/maria"  # a moderator on the community's server

    await apply_activity(node.ctx, signer=COMMUNITY, raw=_announced(_pin("Add", maria)))
    assert await _pinned(node)
    community = await groups.find_group(node.ctx, COMMUNITY)
    assert [t.row.pinned for t in await group_posts.thread_list(node.ctx, ana, community)] == [True]

    await apply_activity(node.ctx, signer=COMMUNITY, raw=_announced(_pin("Remove", maria)))
    assert not await _pinned(node)


async def test_an_add_sent_by_the_community_itself_pins_the_thread(node: FlowNode) -> None:
    await _thread_from_lemmy(node)
    direct = _pin("Add", COMMUNITY)
    assert isinstance(parse_activity(direct), Activity)

    await apply_activity(node.ctx, direct, signer=COMMUNITY)

    assert await _pinned(node)


async def test_pins_from_elsewhere_or_to_another_collection_change_nothing(
    node: FlowNode,
) -> None:
    await _thread_from_lemmy(node)
    outsider = "https://elsewhere.example/u/mallory"
    with pytest.raises(Rejected):
        await apply_activity(node.ctx, signer=COMMUNITY, raw=_announced(_pin("Add", outsider)))
    moderators = f"{COMMUNITY}/moderators"
    with pytest.raises(Rejected):
        await apply_activity(
            node.ctx, signer=COMMUNITY, raw=_announced(_pin("Add", COMMUNITY, target=moderators))
        )
    # Sent directly by someone who is not the group (even on its server): dropped.
    direct = _pin("Add", "https://lemmy.example/u/maria")
    assert isinstance(parse_activity(direct), Activity)
    await apply_activity(node.ctx, direct, signer=direct["actor"])
    assert not await _pinned(node)
