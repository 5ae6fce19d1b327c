"""Instance metadata, accounts, relationships and follows through the client API."""

from __future__ import annotations

import io
import tarfile

import pytest

from node.errors import ConfigError
from node.settings import Settings
from tests.api.helpers import Client, bearer, make_user, password_token


async def test_instance_v1_and_v2_answer_with_and_without_a_trailing_slash(client: Client) -> None:
    for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance", "/api/v2/instance/"):
        response = await client.get(path)
        assert response.status == 200, path
        body = await response.json()
        assert body["version"] == "4.3.0 (compatible; Commonroom 0.1.0)"
    v1 = await (await client.get("/api/v1/instance")).json()
    assert v1["uri"] == f"127.0.0.1:{client.port}"
    assert v1["urls"]["streaming_api"].startswith("ws://")
    assert v1["configuration"]["statuses"]["max_characters"] == 5000
    assert v1["registrations"] is False, "a new node starts closed"
    v2 = await (await client.get("/api/v2/instance")).json()
    assert v2["api_versions"] == {"mastodon": 2}
    assert v2["configuration"]["media_attachments"]["image_size_limit"] == 10 * 1024 * 1024
    assert v2["configuration"]["polls"]["max_options"] == 4
    assert v2["configuration"]["urls"]["streaming"].startswith("ws://")
    assert await (await client.get("/api/v1/custom_emojis")).json() == []


async def test_verify_credentials_carries_source_and_role(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    response = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    me = await response.json()
    assert me["username"] == me["acct"] == "ana"
    assert isinstance(me["id"], str)
    assert me["url"].endswith("/@ana") and me["uri"].endswith("/users/ana")
    assert me["avatar"].endswith("/avatars/original/missing.png")
    assert me["source"]["privacy"] == "public" and me["source"]["note"] == ""
    assert me["role"]["name"] == "educator"
    assert me["statuses_count"] == 0 and me["followers_count"] == 0
    avatar = await client.get("/avatars/original/missing.png")
    assert avatar.status == 200 and avatar.content_type == "image/png"
    prefs = await client.get("/api/v1/preferences", headers=bearer(token))
    assert (await prefs.json())["posting:default:visibility"] == "public"


async def test_lookup_get_and_unknown_accounts(client: Client) -> None:
    ana = await make_user(client, "ana")
    host = f"127.0.0.1:{client.port}"
    for acct in ("ana", "@ana", f"ana@{host}"):
        found = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert found.status == 200, acct
        assert (await found.json())["id"] == str(ana.id)
    by_id = await (await client.get(f"/api/v1/accounts/{ana.id}")).json()
    assert by_id["username"] == "ana"
    for missing in (
        "/api/v1/accounts/999999",
        "/api/v1/accounts/abc",
        "/api/v1/accounts/1000000000000042",
        "/api/v1/accounts/lookup?acct=nobody",
        "/api/v1/accounts/lookup?acct=someone@elsewhere.example",
    ):
        response = await client.get(missing)
        assert response.status == 404, missing
        assert (await response.json())["error"]


async def test_follow_unfollow_and_relationships_between_local_people(client: Client) -> None:
    await make_user(client, "ana")
    ben = await make_user(client, "ben")
    ana_token = await password_token(client, "ana")
    ben_token = await password_token(client, "ben")
    followed = await client.post(f"/api/v1/accounts/{ben.id}/follow", headers=bearer(ana_token))
    assert followed.status == 200
    relation = await followed.json()
    assert relation["id"] == str(ben.id)
    assert relation["following"] is True and relation["followed_by"] is False

    seen = await client.get(
        "/api/v1/accounts/relationships",
        headers=bearer(ben_token),
        params=[("id[]", str((await _me(client, ana_token))["id"])), ("id[]", "junk")],
    )
    assert [(r["following"], r["followed_by"]) for r in await seen.json()] == [(False, True)]
    counts = await (await client.get(f"/api/v1/accounts/{ben.id}")).json()
    assert counts["followers_count"] == 1

    gone = await client.post(f"/api/v1/accounts/{ben.id}/unfollow", headers=bearer(ana_token))
    assert (await gone.json())["following"] is False
    again = await client.post(f"/api/v1/accounts/{ben.id}/unfollow", headers=bearer(ana_token))
    assert again.status == 200, "unfollowing someone you do not follow is not an error"


async def test_scopes_are_enforced(client: Client) -> None:
    ben = await make_user(client, "ben")
    await make_user(client, "ana")
    reader = await password_token(client, "ana", scopes="read")
    refused = await client.post(f"/api/v1/accounts/{ben.id}/follow", headers=bearer(reader))
    assert refused.status == 403
    assert (await refused.json())["error"] == "This action is outside the authorized scopes"
    legacy = await password_token(client, "ana", scopes="follow")
    allowed = await client.post(f"/api/v1/accounts/{ben.id}/follow", headers=bearer(legacy))
    assert allowed.status == 200, "the legacy follow scope covers write:follows"
    anonymous = await client.get("/api/v1/accounts/verify_credentials")
    assert anonymous.status == 401


async def _me(client: Client, token: str) -> dict[str, str]:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    body: dict[str, str] = await response.json()
    return body


async def test_the_instance_says_where_its_source_is_and_the_node_serves_it(
    client: Client,
) -> None:
    v2 = await (await client.get("/api/v2/instance")).json()
    assert v2["source_url"] == f"http://127.0.0.1:{client.port}/source"
    response = await client.get("/source")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(await response.read()), mode="r:gz") as archive:
        names = archive.getnames()
        instance = archive.extractfile("commonroom-0.1.0/node/api/instance.py")
        assert instance is not None and b'"source_url"' in instance.read()
    assert "commonroom-0.1.0/federation/render.py" in names
    assert "commonroom-0.1.0/migrations/0005_posts.sql" in names
    assert not any("__pycache__" in name for name in names)


def test_an_operator_may_name_a_public_repository_instead() -> None:
    env = {"COMMONROOM_SOURCE_URL": "https://git.district.example/commonroom"}
    settings = Settings.from_env(env, data_dir="/tmp/unused")
    assert settings.source_code_url == "https://git.district.example/commonroom"
    assert Settings.from_env({}, data_dir="/tmp/unused").source_code_url.endswith("/source")
    with pytest.raises(ConfigError):
        Settings.from_env({"COMMONROOM_SOURCE_URL": "javascript:alert(1)"})
