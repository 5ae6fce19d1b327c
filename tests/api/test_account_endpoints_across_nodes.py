"""Client API changes that must reach other servers: a profile edited through
update_credentials, a status edited with PUT, and a remote follow request authorized by its
account id (10^15 + the remote actor's row). Two real nodes federate over HTTP on loopback."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from node.api.ids import REMOTE_BASE
from node.services.posts import posts
from node.services.social import follows
from tests.api.helpers import session_token
from tests.support.federation import FlowNode, run_until_idle


class Api:
    """An app signed in as one person on one node, speaking plain HTTP."""

    def __init__(self, http: aiohttp.ClientSession, node: FlowNode, token: str) -> None:
        self.http, self.node, self.token = http, node, token

    @classmethod
    async def sign_in(cls, http: aiohttp.ClientSession, node: FlowNode, username: str) -> Api:
        return cls(http, node, await session_token(http, node.url, username, "read write follow"))

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.request(method, self.node.url + path, headers=headers,
                                     **kwargs) as response:  # fmt: skip
            assert response.status == 200, await response.text()
            return await response.json()


async def _cached_actor(node: FlowNode, uri: str) -> dict[str, Any]:
    async with node.ctx.db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, display_name, summary_html, manually_approves FROM remote_actors "
            "WHERE uri = $1",
            uri,
        )
    assert row is not None
    return dict(row)


async def test_update_credentials_and_a_status_edit_reach_a_follower_node(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    await a.user("ana")
    ben = await b.user("ben")
    ana_uri = a.ctx.urls.actor("ana")
    # Given ben on B follows ana on A
    await follows.follow(b.ctx, ben, ana_uri)
    await run_until_idle(a, b)
    async with aiohttp.ClientSession() as http:
        ana = await Api.sign_in(http, a, "ana")

        # When her app changes her name and bio
        await ana.call(
            "PATCH",
            "/api/v1/accounts/update_credentials",
            json={"display_name": "Ms. Ana Reyes", "note": "Science, Year 7"},
        )

        # Then one Update(Person) is queued for B's inbox
        async with a.ctx.db.connection() as conn:
            row = await conn.fetchrow(
                "SELECT o.body, count(d.id) AS deliveries, min(d.inbox) AS inbox "
                "FROM outbound_activities o JOIN deliveries d ON d.activity_id = o.id "
                "WHERE o.activity_type = 'Update' GROUP BY o.id"
            )
        assert row is not None and row["deliveries"] == 1 and row["inbox"] == f"{b.url}/inbox"
        body = orjson.loads(row["body"])
        assert body["object"]["type"] == "Person" and body["object"]["name"] == "Ms. Ana Reyes"

        # and once delivered, B knows her by her new name
        await run_until_idle(a, b)
        cached = await _cached_actor(b, ana_uri)
        assert cached["display_name"] == "Ms. Ana Reyes"
        assert "Science, Year 7" in cached["summary_html"]

        # When she posts, then edits the post through the API
        post = await ana.call("POST", "/api/v1/statuses", json={"status": "Trip on Monday"})
        await run_until_idle(a, b)
        await ana.call("PUT", f"/api/v1/statuses/{post['id']}", json={"status": "Trip on Tuesday"})
        await run_until_idle(a, b)

    # Then B's copy is the edited one
    async with b.ctx.db.connection() as conn:
        copy = await conn.fetchrow(
            "SELECT content_html, edited_at FROM posts WHERE uri = $1", post["uri"]
        )
    assert copy is not None and "Trip on Tuesday" in copy["content_html"]
    assert copy["edited_at"] is not None


async def test_a_remote_follow_request_is_authorized_by_account_id(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana_account = await a.user("ana")
    ben = await b.user("ben")
    ana_uri = a.ctx.urls.actor("ana")
    async with aiohttp.ClientSession() as http:
        ana = await Api.sign_in(http, a, "ana")
        # Given ana locked her account through the API, and ben on B asks to follow her
        await ana.call("PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
        await follows.follow(b.ctx, ben, ana_uri)
        await run_until_idle(a, b)

        # When her app lists the requests, it sees ben with a remote account id
        [asked] = await ana.call("GET", "/api/v1/follow_requests")
        assert asked["acct"] == f"ben@{b.host}" and int(asked["id"]) > REMOTE_BASE
        assert (await ana.call("GET", f"/api/v1/accounts/{asked['id']}/followers")) == []

        # and authorizes it by that id
        relation = await ana.call("POST", f"/api/v1/follow_requests/{asked['id']}/authorize")
        assert relation["id"] == asked["id"] and relation["followed_by"] is True
        assert await ana.call("GET", "/api/v1/follow_requests") == []
        await run_until_idle(a, b)
        mine = await ana.call("GET", "/api/v1/accounts/verify_credentials")
        followers = await ana.call("GET", f"/api/v1/accounts/{mine['id']}/followers")
        assert [f["acct"] for f in followers] == [f"ben@{b.host}"]

    # Then ben's server has the Accept: he follows her
    actor = await _cached_actor(b, ana_uri)
    async with b.ctx.db.connection() as conn:
        state = await conn.fetchval(
            "SELECT state FROM follows WHERE follower_account = $1 AND followee_remote = $2",
            ben.id, actor["id"],
        )  # fmt: skip
    assert state == "accepted"
    assert actor["manually_approves"] is True
    await posts.create_post(a.ctx, ana_account, "Only for followers", visibility="followers")
    await run_until_idle(a, b)
    async with b.ctx.db.connection() as conn:
        seen = await conn.fetchval("SELECT count(*) FROM posts WHERE content_html LIKE $1",
                                   "%Only for followers%")  # fmt: skip
    assert seen == 1, "her followers-only post now reaches him"
