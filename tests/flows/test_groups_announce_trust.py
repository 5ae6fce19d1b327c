"""A group's Announce across three nodes (FEP-1b12 trust rules, FEDERATION.md "Groups"):
a stranger group cannot make B apply anything by anyone, and a group B's people joined cannot
put words in the mouth of someone on a third server."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from federation.signatures import SigningKey, sign_request
from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.storage.accounts import accounts as account_store
from tests.support.federation import FlowNode, run_until_idle

Trio = tuple[FlowNode, FlowNode, FlowNode]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AP = "application/activity+json"


async def _value(node: FlowNode, query: str, *args: Any) -> Any:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def _announce_as_group(c: FlowNode, slug: str, b: FlowNode, inner: dict[str, Any]) -> int:
    """C's group signs an Announce of `inner` with its own key and POSTs it to B's inbox."""
    group_uri = c.ctx.urls.actor(slug)
    async with c.ctx.db.connection() as conn:
        group = await account_store.get_account_by_username(conn, slug)
        assert group is not None
        found = await account_store.get_signing_key(conn, group.id)
    assert found is not None
    announce = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{group_uri}/announces/forged", "type": "Announce", "actor": group_uri,
                "to": [PUBLIC], "cc": [f"{group_uri}/followers"], "object": inner}  # fmt: skip
    url, body = f"{b.url}/inbox", json.dumps(announce).encode()
    headers = sign_request("POST", url, {"Content-Type": AP}, body,
                           SigningKey(c.ctx.urls.key_id(slug), found[1]))  # fmt: skip
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


def _forged_create(a: FlowNode, group_uri: str, post_id: int, text: str) -> dict[str, Any]:
    """A Create "by" ana on A that ana never wrote (a post id A does not have)."""
    ana = a.ctx.urls.actor("ana")
    note = {"id": f"{ana}/statuses/{post_id}", "type": "Note", "attributedTo": ana,
            "content": text, "to": [PUBLIC, group_uri], "audience": group_uri}  # fmt: skip
    return {"id": f"{note['id']}/activity", "type": "Create", "actor": ana, "to": note["to"],
            "object": note}  # fmt: skip


async def test_a_stranger_groups_announce_applies_nothing(trio: Trio) -> None:
    a, b, c = trio
    await a.user("ana")
    await b.user("ben")  # nobody on B has joined C's group
    mallory = await c.user("mallory")
    await groups.create_group(c.ctx, mallory, "stranger", GroupSettings(name="Stranger"))
    stranger = c.ctx.urls.actor("stranger")

    forged = _forged_create(a, stranger, 9, "Words put in Ana's mouth")
    assert await _announce_as_group(c, "stranger", b, forged) == 202
    await run_until_idle(a, b, c)

    assert await _value(b, "SELECT count(*) FROM posts") == 0
    reason = await _value(b, "SELECT last_error FROM inbox_activities WHERE actor_uri = $1",
                          stranger)  # fmt: skip
    assert "nobody here has joined" in reason


async def test_a_joined_group_cannot_forge_a_post_by_someone_on_a_third_server(
    trio: Trio,
) -> None:
    a, b, c = trio
    await a.user("ana")
    ben, mallory = await b.user("ben"), await c.user("mallory")
    await groups.create_group(c.ctx, mallory, "club", GroupSettings(name="Club"))
    remote = await groups.find_group(b.ctx, f"club@{c.host}")
    await groups.join(b.ctx, ben, remote)
    await run_until_idle(a, b, c)
    club = c.ctx.urls.actor("club")

    forged = _forged_create(a, club, 424242, "Words put in Ana's mouth")
    assert await _announce_as_group(c, "club", b, forged) == 202
    await run_until_idle(a, b, c)

    # B asked A for the post; A has no such post, so B keeps nothing.
    assert await _value(b, "SELECT count(*) FROM posts WHERE uri = $1",
                        forged["object"]["id"]) == 0  # fmt: skip
    reason = await _value(b, "SELECT last_error FROM inbox_activities WHERE activity_id = $1",
                          f"{club}/announces/forged")  # fmt: skip
    assert "origin does not confirm" in reason
