"""What other servers see of a node: discovery documents and the inbox's answers to bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from federation.signatures import SigningKey, sign_request
from node.domain.accounts import Account
from node.storage.accounts import accounts as account_store
from tests.support.federation import FlowNode, run_until_idle

AP = "application/activity+json"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _key_of(node: FlowNode, account: Account) -> SigningKey:
    async with node.ctx.db.connection() as conn:
        found = await account_store.get_signing_key(conn, account.id)
    assert found is not None
    return SigningKey(node.ctx.urls.key_id(account.username), found[1])


def _follow(sender: FlowNode, target: FlowNode, suffix: str = "1") -> dict[str, object]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.url}/activities/follow-{suffix}",
        "type": "Follow",
        "actor": sender.ctx.urls.actor("ben"),
        "object": target.ctx.urls.actor("ana"),
    }


async def _post_signed(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes,
    key: SigningKey,
    content_type: str = AP,
) -> aiohttp.ClientResponse:
    headers = sign_request("POST", url, {"Content-Type": content_type}, body, key)
    return await http.post(url, data=body, headers=headers)


async def test_webfinger_round_trips_the_handle(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, _ = pair
    await a.user("Ana")
    url = f"{a.url}/.well-known/webfinger?resource=acct:ana@{a.host}"
    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/jrd+json")
        jrd = await response.json(content_type=None)
    assert jrd["subject"] == f"acct:Ana@{a.host}"
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    async with http.get(self_link["href"], headers={"Accept": AP}) as actor_response:
        actor = await actor_response.json(content_type=None)
    assert actor["preferredUsername"] == "Ana"
    assert actor["id"] == self_link["href"]
    assert "https://www.w3.org/ns/activitystreams" in actor["@context"]
    assert actor["publicKey"]["id"] == f"{actor['id']}#main-key"
    for missing in ("acct:nobody@" + a.host, "acct:ana@elsewhere.example"):
        async with http.get(f"{a.url}/.well-known/webfinger?resource={missing}") as gone:
            assert gone.status == 404
    async with http.get(f"{a.url}/.well-known/webfinger") as bad:
        assert bad.status == 400


async def test_actor_urls_negotiate_html_and_activity_json(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, _ = pair
    await a.user("ana")
    actor_url = a.ctx.urls.actor("ana")
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    for accept in (AP, ld):
        async with http.get(actor_url, headers={"Accept": accept}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith(AP)
    async with http.get(actor_url, headers={"Accept": "text/html"}) as page:
        assert page.status == 200
        assert str(page.url).endswith("/@ana")
        assert "<main" in await page.text()


async def test_host_meta_nodeinfo_and_instance_actor(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, _ = pair
    async with http.get(f"{a.url}/.well-known/host-meta") as meta:
        assert "lrdd" in await meta.text()
    async with http.get(f"{a.url}/.well-known/nodeinfo") as links:
        hrefs = [link["href"] for link in (await links.json())["links"]]
    assert f"{a.url}/nodeinfo/2.1" in hrefs
    async with http.get(f"{a.url}/nodeinfo/2.1") as info:
        document = await info.json(content_type=None)
    assert document["software"]["name"] == "commonroom"
    assert document["protocols"] == ["activitypub"]
    async with http.get(f"{a.url}/actor", headers={"Accept": AP}) as actor:
        instance = await actor.json(content_type=None)
    assert instance["type"] == "Application"
    assert instance["preferredUsername"] == a.host


async def test_inbox_rejects_bad_input_with_the_right_status_and_keeps_running(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, b = pair
    await a.user("ana")
    ben = await b.user("ben")
    key = await _key_of(b, ben)
    inbox = f"{a.url}/inbox"
    follow = json.dumps(_follow(b, a)).encode()

    async with http.post(inbox, data=follow, headers={"Content-Type": AP}) as unsigned:
        assert unsigned.status == 401
    async with await _post_signed(http, inbox, b"{not json", key) as malformed:
        assert malformed.status == 400
    async with await _post_signed(http, inbox, follow, key, "text/plain") as wrong_type:
        assert wrong_type.status == 415
    huge = json.dumps({**_follow(b, a), "padding": "x" * 1_100_000}).encode()
    async with await _post_signed(http, inbox, huge, key) as too_big:
        assert too_big.status == 413
    headers = sign_request("POST", inbox, {"Content-Type": AP}, follow, key)
    async with http.post(
        inbox, data=follow.replace(b"follow-1", b"follow-X"), headers=headers
    ) as tampered:
        assert tampered.status == 401
    impostor = json.dumps({**_follow(b, a), "actor": a.ctx.urls.actor("ana")}).encode()
    async with await _post_signed(http, inbox, impostor, key) as not_owner:
        assert not_owner.status == 401
    unknown = json.dumps({**_follow(b, a), "id": f"{b.url}/x/1", "type": "Dance"}).encode()
    async with await _post_signed(http, inbox, unknown, key) as dropped:
        assert dropped.status == 202

    async with await _post_signed(http, inbox, follow, key) as accepted:
        assert accepted.status == 202
    async with await _post_signed(http, inbox, follow, key) as again:
        assert again.status == 202
    await run_until_idle(a, b)
    async with a.ctx.db.connection() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM inbox_activities")
        follows = await conn.fetchval("SELECT count(*) FROM follows")
    assert stored == 2, "the Follow once (deduplicated by id) and the unknown type"
    assert follows == 1
    async with http.get(f"{a.url}/healthz") as health:
        assert health.status == 200


async def test_delete_of_an_unknown_actor_is_accepted_without_fetching(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, b = pair
    ben = await b.user("ben")
    key = await _key_of(b, ben)
    actor = b.ctx.urls.actor("ben")
    body = json.dumps(
        {"id": f"{actor}#delete", "type": "Delete", "actor": actor, "object": actor}
    ).encode()
    async with await _post_signed(http, f"{a.url}/inbox", body, key) as response:
        assert response.status == 202
    async with a.ctx.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM remote_actors") == 0
        assert await conn.fetchval("SELECT count(*) FROM inbox_activities") == 0


async def test_an_account_waiting_for_approval_is_not_published(
    pair: tuple[FlowNode, FlowNode], http: aiohttp.ClientSession
) -> None:
    a, _ = pair
    await a.user("newbie")
    async with a.ctx.db.connection() as conn:
        await conn.execute("UPDATE accounts SET approved_at = NULL WHERE username = 'newbie'")
    for url, headers in (
        (f"{a.url}/@newbie", {}),
        (a.ctx.urls.actor("newbie"), {"Accept": AP}),
        (f"{a.url}/.well-known/webfinger?resource=acct:newbie@{a.host}", {}),
    ):
        async with http.get(url, headers=headers) as response:
            assert response.status == 404, url
