"""Profile changes federate: one Update(Person) per follower inbox, applied by the other node."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from node.domain.accounts import Account
from node.domain.profiles import ProfileEdit, ProfileField
from node.services.profiles import profiles
from node.services.social import follows
from tests.fixtures.media import images
from tests.support.federation import FlowNode, run_until_idle

AS2 = {"Accept": "application/activity+json"}


async def _fetchrow(node: FlowNode, query: str, *args: object) -> dict[str, Any]:
    async with node.ctx.db.connection() as conn:
        row = await conn.fetchrow(query, *args)
    assert row is not None, query
    return dict(row)


async def _actor_json(node: FlowNode, username: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(node.ctx.urls.actor(username), headers=AS2) as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/activity+json"
        document: dict[str, Any] = await response.json(content_type=None)
        return document


async def _cached_on(node: FlowNode, actor_uri: str) -> dict[str, Any]:
    row = await _fetchrow(
        node,
        "SELECT display_name, summary_html, manually_approves, raw FROM remote_actors "
        "WHERE uri = $1",
        actor_uri,
    )
    row["raw"] = orjson.loads(row["raw"])
    return row


NEW_PROFILE = ProfileEdit(
    display_name="Ms. Ana Reyes",
    bio="Science, Year 7 and 8. Resources: https://lincoln.example/science",
    fields=(ProfileField("School", "Lincoln Elementary"), ProfileField("Subjects", "Science")),
    locked=True,
    discoverable=True,
    indexable=False,
)


async def _followed_from(pair: tuple[FlowNode, FlowNode], *names: str) -> Account:
    """Ana on A, followed by these people on B (their follows accepted and delivered)."""
    a, b = pair
    ana = await a.user("ana")
    for name in names:
        await follows.follow(b.ctx, await b.user(name), a.ctx.urls.actor("ana"))
    await run_until_idle(a, b)
    return ana


async def test_profile_changes_reach_a_follower_node_as_one_update_per_inbox(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    # Given two people on B who follow A's teacher (one shared inbox between them)
    ana = await _followed_from(pair, "ben", "cat")
    ana_uri = a.ctx.urls.actor("ana")
    assert (await _cached_on(b, ana_uri))["display_name"] == ""

    # When she changes her display name, bio and fields, and locks her account
    await profiles.update_profile(a.ctx, ana, NEW_PROFILE)

    # Then exactly one Update with its own id is queued, with one delivery to B's shared inbox
    update = await _fetchrow(
        a,
        "SELECT o.uri, o.body, count(d.id) AS deliveries, min(d.inbox) AS inbox "
        "FROM outbound_activities o JOIN deliveries d ON d.activity_id = o.id "
        "WHERE o.activity_type = 'Update' GROUP BY o.id",
    )
    assert update["deliveries"] == 1
    assert update["inbox"] == f"{b.url}/inbox"
    body = orjson.loads(update["body"])
    assert body["type"] == "Update" and body["actor"] == ana_uri
    assert update["uri"] == body["id"] and body["id"].startswith(f"{a.url}/activities/")
    assert body["object"]["id"] == ana_uri and body["object"]["type"] == "Person"

    # and once the queues drain, B's cached copy of her is the new one
    await run_until_idle(a, b)
    cached = await _cached_on(b, ana_uri)
    assert cached["display_name"] == "Ms. Ana Reyes"
    assert "Science, Year 7 and 8." in cached["summary_html"]
    assert cached["manually_approves"] is True
    assert [(f["name"], f["value"]) for f in cached["raw"]["attachment"]] == [
        ("School", "Lincoln Elementary"), ("Subjects", "Science"),
    ]  # fmt: skip

    # and A's actor document says the same
    actor = await _actor_json(a, "ana")
    assert actor["name"] == "Ms. Ana Reyes"
    assert actor["attachment"] == [
        {"type": "PropertyValue", "name": "School", "value": "Lincoln Elementary"},
        {"type": "PropertyValue", "name": "Subjects", "value": "Science"},
    ]
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["discoverable"] is True and actor["indexable"] is False
    assert "icon" not in actor


async def test_a_new_avatar_reaches_followers_and_an_unchanged_save_sends_nothing(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana = await _followed_from(pair, "ben")
    ana_uri = a.ctx.urls.actor("ana")

    # When she sets an avatar
    await profiles.set_image(a.ctx, ana, "avatar", images.webp(), description="Ana, smiling")
    await run_until_idle(a, b)

    # Then her actor has an icon, and B's copy of her points at the same file
    icon = (await _actor_json(a, "ana"))["icon"]
    assert icon["type"] == "Image" and icon["url"].startswith(f"{a.url}/media/")
    assert (await _cached_on(b, ana_uri))["raw"]["icon"] == icon

    # When she saves the settings form without changing anything, nothing more is sent
    sent = await _fetchrow(a, "SELECT count(*) AS n FROM outbound_activities")
    same = ProfileEdit(display_name="", bio="", fields=(), locked=False)
    await profiles.update_profile(a.ctx, ana, same)
    assert await _fetchrow(a, "SELECT count(*) AS n FROM outbound_activities") == sent
