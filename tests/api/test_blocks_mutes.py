"""Blocks and mutes through the client API, as the people involved notice them: who sees whose
posts, follows, notifications and Relationship fields."""

from __future__ import annotations

from typing import Any

import orjson

from federation.parse import parse_activity
from federation.parse_types import Activity
from node.api.ids import REMOTE_BASE
from node.services.inbound.apply import apply_activity
from tests.api.helpers import (
    Client,
    bearer,
    ctx_of,
    expect_json,
    make_user,
    password_token,
    post_json,
)


async def _ids(client: Client, path: str, token: str | None = None) -> list[str]:
    headers = bearer(token) if token else {}
    return [s["id"] for s in await expect_json(await client.get(path, headers=headers))]


async def _relationship(client: Client, token: str, account_id: str) -> dict[str, Any]:
    found = await expect_json(
        await client.get(
            "/api/v1/accounts/relationships", params={"id[]": account_id}, headers=bearer(token)
        )
    )
    assert len(found) == 1
    result: dict[str, Any] = found[0]
    return result


async def _act(
    client: Client, token: str, account_id: str, action: str, **options: Any
) -> dict[str, Any]:
    """Block, mute, unblock or unmute someone through the API; the Relationship answered."""
    path = f"/api/v1/accounts/{account_id}/{action}"
    found: dict[str, Any] = await expect_json(
        await client.post(path, headers=bearer(token), **options)
    )
    return found


async def _listed(client: Client, path: str, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await expect_json(await client.get(path, headers=bearer(token)))
    return found


async def _people(client: Client) -> tuple[str, str, str, str]:
    """ana and ben follow each other; tokens and account ids."""
    ana_account, ben_account = await make_user(client, "ana"), await make_user(client, "ben")
    ana, ben = await password_token(client, "ana"), await password_token(client, "ben")
    await expect_json(
        await client.post(f"/api/v1/accounts/{ben_account.id}/follow", headers=bearer(ana))
    )
    await expect_json(
        await client.post(f"/api/v1/accounts/{ana_account.id}/follow", headers=bearer(ben))
    )
    return ana, ben, str(ana_account.id), str(ben_account.id)


async def test_a_block_hides_each_others_posts_and_ends_the_follows(client: Client) -> None:
    ana, ben, ana_id, ben_id = await _people(client)
    bens_public = await post_json(client, ben, status="Field trip photos")
    bens_private = await post_json(
        client, ben, status="Followers only: parents evening", visibility="private"
    )
    anas_public = await post_json(client, ana, status="Ana's lesson notes")
    assert bens_private["id"] in await _ids(client, "/api/v1/timelines/home", ana)

    relation = await _act(client, ana, ben_id, "block")
    assert relation["blocking"] is True
    assert relation["following"] is False and relation["followed_by"] is False

    # Ana no longer sees Ben's posts anywhere she looks...
    home = await _ids(client, "/api/v1/timelines/home", ana)
    assert bens_public["id"] not in home and bens_private["id"] not in home
    assert bens_public["id"] not in await _ids(client, "/api/v1/timelines/public", ana)
    # ...and Ben cannot see hers, even by id; he can tell he is blocked, as on Mastodon.
    assert anas_public["id"] not in await _ids(client, "/api/v1/timelines/public", ben)
    hidden = await client.get(f"/api/v1/statuses/{anas_public['id']}", headers=bearer(ben))
    assert hidden.status == 404
    bens_view = await _relationship(client, ben, ana_id)
    assert bens_view["blocked_by"] is True and bens_view["following"] is False
    assert bens_view["blocking"] is False

    blocked = await expect_json(await client.get("/api/v1/blocks", headers=bearer(ana)))
    assert [a["id"] for a in blocked] == [ben_id]
    again = await _act(client, ana, ben_id, "block")
    assert again["blocking"] is True, "blocking twice is fine"

    lifted = await _act(client, ana, ben_id, "unblock")
    assert lifted["blocking"] is False and lifted["following"] is False, "follows stay ended"
    assert await expect_json(await client.get("/api/v1/blocks", headers=bearer(ana))) == []
    assert bens_public["id"] in await _ids(client, "/api/v1/timelines/public", ana)


async def test_blocking_someone_elsewhere_tells_their_server(client: Client) -> None:
    """Undo of our follow, Reject of theirs, then the Block; the unblock is an Undo(Block)."""
    ana_account = await make_user(client, "ana")
    ana = await password_token(client, "ana")
    ctx = ctx_of(client)
    async with ctx.db.connection() as conn:
        remote_id = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, inbox, raw)
               VALUES ('http://127.0.0.1:9/users/zed', 'Person', 'zed', '127.0.0.1:9',
                       'http://127.0.0.1:9/users/zed/inbox', '{}') RETURNING id"""
        )
        await conn.execute(
            """INSERT INTO follows (follower_account, followee_remote, state, activity_uri)
               VALUES ($1, $2, 'accepted', 'http://127.0.0.1/follows/1')""",
            ana_account.id,
            remote_id,
        )
        await conn.execute(
            """INSERT INTO follows (follower_remote, followee_account, state, activity_uri)
               VALUES ($1, $2, 'accepted', 'http://127.0.0.1:9/follows/2')""",
            remote_id,
            ana_account.id,
        )
    zed = str(REMOTE_BASE + remote_id)

    relation = await _act(client, ana, zed, "block")
    assert relation["blocking"] is True and not relation["following"]
    assert not relation["followed_by"]
    await _act(client, ana, zed, "unblock")

    async with ctx.db.connection() as conn:
        sent = await conn.fetch(
            """SELECT o.body, d.inbox FROM outbound_activities o
               JOIN deliveries d ON d.activity_id = o.id ORDER BY o.id"""
        )
    bodies = [orjson.loads(row["body"]) for row in sent]
    assert [
        (b["type"], b["object"]["type"] if isinstance(b["object"], dict) else None) for b in bodies
    ] == [("Undo", "Follow"), ("Reject", "Follow"), ("Block", None), ("Undo", "Block")]
    assert bodies[2]["object"] == "http://127.0.0.1:9/users/zed"
    assert bodies[3]["object"]["id"] == bodies[2]["id"], "the unblock undoes that Block"
    assert {row["inbox"] for row in sent} == {"http://127.0.0.1:9/users/zed/inbox"}


async def test_a_mute_hides_posts_and_notifications_and_the_muted_notice_nothing(
    client: Client,
) -> None:
    ana, ben, ana_id, ben_id = await _people(client)
    before = await post_json(client, ben, status="Before the mute")
    relation = await _act(client, ana, ben_id, "mute")
    assert relation["muting"] is True and relation["muting_notifications"] is True
    assert relation["following"] is True, "a mute is not an unfollow"

    during = await post_json(client, ben, status="@ana did you see the rota?")
    public = await post_json(client, ben, status="#science fair on Friday")
    home = await _ids(client, "/api/v1/timelines/home", ana)
    assert not {before["id"], during["id"], public["id"]} & set(home)
    assert public["id"] not in await _ids(client, "/api/v1/timelines/public", ana)
    assert public["id"] not in await _ids(client, "/api/v1/timelines/tag/science", ana)
    notices = await _listed(client, "/api/v1/notifications", ana)
    assert notices == [], "neither the follow nor the mention from Ben is shown"
    # The post is still there for anyone else, and for Ana if she opens it.
    assert public["id"] in await _ids(client, "/api/v1/timelines/public")
    assert (await client.get(f"/api/v1/statuses/{during['id']}", headers=bearer(ana))).status == 200

    # Ben notices nothing: his relationship, his view of Ana, his home timeline.
    bens_view = await _relationship(client, ben, ana_id)
    assert bens_view["following"] is True and bens_view["followed_by"] is True
    assert not bens_view["blocked_by"] and not bens_view["muting"]
    anas_post = await post_json(client, ana, status="Ana still posts")
    assert anas_post["id"] in await _ids(client, "/api/v1/timelines/home", ben)

    muted = await _listed(client, "/api/v1/mutes", ana)
    assert [a["id"] for a in muted] == [ben_id] and muted[0]["mute_expires_at"] is None

    # Muting again with notifications=false brings the notifications back, not the posts.
    relation = await _act(
        client, ana, ben_id, "mute", data={"notifications": "false", "duration": "3600"}
    )
    assert relation["muting"] is True and relation["muting_notifications"] is False
    kinds = {n["type"] for n in await _listed(client, "/api/v1/notifications", ana)}
    assert kinds == {"follow", "mention"}
    assert during["id"] not in await _ids(client, "/api/v1/timelines/home", ana)
    muted = await _listed(client, "/api/v1/mutes", ana)
    assert muted[0]["mute_expires_at"] is not None

    await _act(client, ana, ben_id, "unmute")
    assert during["id"] in await _ids(client, "/api/v1/timelines/home", ana)


async def test_an_expired_mute_hides_nothing(client: Client) -> None:
    ana, ben, _, ben_id = await _people(client)
    post = await post_json(client, ben, status="Back in view")
    await expect_json(
        await client.post(
            f"/api/v1/accounts/{ben_id}/mute", json={"duration": 60}, headers=bearer(ana)
        )
    )
    assert post["id"] not in await _ids(client, "/api/v1/timelines/home", ana)
    async with ctx_of(client).db.connection() as conn:
        await conn.execute("UPDATE mutes SET expires_at = now() - interval '1 second'")
    assert post["id"] in await _ids(client, "/api/v1/timelines/home", ana)
    assert await expect_json(await client.get("/api/v1/mutes", headers=bearer(ana))) == []


async def test_scopes_and_yourself(client: Client) -> None:
    ana_account, ben_account = await make_user(client, "ana"), await make_user(client, "ben")
    reader = await password_token(client, "ana", scopes="read")
    for path in (
        f"/api/v1/accounts/{ben_account.id}/block",
        f"/api/v1/accounts/{ben_account.id}/mute",
    ):
        assert (await client.post(path, headers=bearer(reader))).status == 403
    assert (await client.get("/api/v1/blocks", headers=bearer(reader))).status == 200
    writer = await password_token(client, "ana", scopes="write")
    assert (await client.get("/api/v1/mutes", headers=bearer(writer))).status == 403
    follow_scope = await password_token(client, "ana", scopes="follow")
    assert (await client.get("/api/v1/blocks", headers=bearer(follow_scope))).status == 200
    assert (
        await client.post("/api/v1/accounts/99999/block", headers=bearer(follow_scope))
    ).status == 404
    assert (await client.get("/api/v1/blocks")).status == 401
    own = await client.post(f"/api/v1/accounts/{ana_account.id}/block", headers=bearer(writer))
    assert own.status == 422


async def test_a_block_keeps_follows_ended_both_ways(client: Client) -> None:
    """Refollowing after a block is refused, here (403) and from elsewhere (a Reject), so
    nothing is delivered to a blocked follower."""
    ana, ben, ana_id, ben_id = await _people(client)
    await _act(client, ana, ben_id, "block")
    refused = await client.post(f"/api/v1/accounts/{ana_id}/follow", headers=bearer(ben))
    assert refused.status == 403
    assert (
        await client.post(f"/api/v1/accounts/{ben_id}/follow", headers=bearer(ana))
    ).status == 403
    assert (await _relationship(client, ben, ana_id))["following"] is False

    ctx = ctx_of(client)
    zed_uri = "http://127.0.0.1:9/users/zed"
    async with ctx.db.connection() as conn:
        remote_id = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, inbox, raw)
               VALUES ($1, 'Person', 'zed', '127.0.0.1:9', $1 || '/inbox', '{}') RETURNING id""",
            zed_uri,
        )
    await expect_json(
        await client.post(f"/api/v1/accounts/{REMOTE_BASE + remote_id}/block", headers=bearer(ana))
    )
    raw_follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://127.0.0.1:9/follows/9",
        "type": "Follow",
        "actor": zed_uri,
        "object": ctx.urls.actor("ana"),
    }
    follow = parse_activity(raw_follow)
    assert isinstance(follow, Activity)
    await apply_activity(ctx, raw_follow, signer=zed_uri)
    async with ctx.db.connection() as conn:
        follows = await conn.fetchval(
            "SELECT count(*) FROM follows WHERE follower_remote = $1", remote_id
        )
        answer = await conn.fetchval(
            "SELECT body FROM outbound_activities ORDER BY id DESC LIMIT 1"
        )
    assert follows == 0
    rejected = orjson.loads(answer)
    assert rejected["type"] == "Reject" and rejected["object"]["id"] == follow.id
