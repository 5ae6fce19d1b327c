"""The remote actor cache keeps a person's or group's avatar (`icon`) and header (`image`) as
http(s) URLs, and nothing else: our pages and the client API hot-link them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.paths import migrations_dir
from node.services.actors import directory
from node.storage.migrate import migrate
from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.federation import FlowNode, running_node

Documents = dict[str, dict[str, Any]]


@pytest.fixture
async def node(databases: TestDatabases, tmp_path: Path) -> AsyncIterator[FlowNode]:
    async with running_node(databases, tmp_path / "a", free_port()) as a:
        yield a


@pytest.fixture
async def peer() -> AsyncIterator[tuple[str, Documents]]:
    """A server on loopback answering with whatever actor documents the test puts in."""
    documents: Documents = {}

    async def actor(request: web.Request) -> web.Response:
        found = documents.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        return web.json_response(found, content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/users/{name}", actor)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), documents
    finally:
        await server.close()


def _person(base: str, name: str, **extra: Any) -> dict[str, Any]:
    uri = f"{base}/users/{name}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Person",
        "preferredUsername": name, "inbox": f"{uri}/inbox", **extra,
    }  # fmt: skip


async def test_a_fetched_actors_avatar_and_header_are_stored(
    node: FlowNode, peer: tuple[str, Documents]
) -> None:
    base, documents = peer
    # Given a person elsewhere with an avatar (an Image) and a header (a bare URL)
    documents["ben"] = _person(
        base, "ben",
        icon={"type": "Image", "mediaType": "image/png", "url": "https://cdn.example/ben.png"},
        image="https://cdn.example/ben-header.jpg",
    )  # fmt: skip

    # When we fetch him
    actor = await directory.fetch_actor(node.ctx, f"{base}/users/ben")

    # Then both URLs are kept, and read back from the cache
    assert actor.icon_url == "https://cdn.example/ben.png"
    assert actor.image_url == "https://cdn.example/ben-header.jpg"
    cached = await directory.cached_actor(node.ctx, actor.id)
    assert cached is not None and cached.icon_url == actor.icon_url

    # When he removes his avatar, the next refresh forgets it
    del documents["ben"]["icon"]
    refreshed = await directory.get_actor(node.ctx, actor.uri, refresh=True)
    assert refreshed.icon_url is None
    assert refreshed.image_url == "https://cdn.example/ben-header.jpg"


@pytest.mark.parametrize(
    "icon",
    [
        "javascript:alert(document.cookie)",
        {"type": "Image", "url": "javascript:alert(1)"},
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        " https://cdn.example/padded.png",
        "https://cdn.example/" + "a" * 2048 + ".png",
    ],
)
async def test_an_avatar_that_is_not_a_short_http_url_is_not_stored(
    node: FlowNode, peer: tuple[str, Documents], icon: object
) -> None:
    base, documents = peer
    documents["eve"] = _person(base, "eve", icon=icon, image={"type": "Image", "url": icon})
    actor = await directory.fetch_actor(node.ctx, f"{base}/users/eve")
    assert actor.icon_url is None and actor.image_url is None


async def test_the_migration_fills_images_in_from_documents_cached_before_it(
    databases: TestDatabases, tmp_path: Path
) -> None:
    # Given a database at 0013 with actors cached in every shape `icon` comes in
    earlier = tmp_path / "migrations"
    earlier.mkdir()
    for path in migrations_dir().glob("*.sql"):
        if path.name < "0014":
            shutil.copy(path, earlier)
    conn = await asyncpg.connect(await databases.create_empty())
    try:
        await migrate(conn, earlier)
        icons: dict[str, object] = {
            "image": {"type": "Image", "url": "https://x.example/a.png"},
            "link": {"type": "Image", "url": {"type": "Link", "href": "https://x.example/b.png"}},
            "list": ["javascript:alert(1)", {"url": "https://x.example/c.png"}],
            "bare": "http://x.example/d.png",
            "script": {"url": "javascript:alert(1)"},
            "long": "https://x.example/" + "e" * 2048,
        }
        for name, icon in icons.items():
            await conn.execute(
                "INSERT INTO remote_actors (uri, actor_type, username, host, inbox, raw) "
                "VALUES ($1, 'Person', $2, 'x.example', $1 || '/inbox', $3::jsonb)",
                f"https://x.example/users/{name}", name, orjson.dumps({"icon": icon}).decode(),
            )  # fmt: skip

        # When 0014 runs
        await migrate(conn, migrations_dir())

        # Then the usable URLs are in place, and nothing else
        rows = await conn.fetch("SELECT username, icon_url, image_url FROM remote_actors")
        found = {row["username"]: row["icon_url"] for row in rows}
        assert found == {
            "image": "https://x.example/a.png", "link": "https://x.example/b.png",
            "list": "https://x.example/c.png", "bare": "http://x.example/d.png",
            "script": None, "long": None,
        }  # fmt: skip
        assert all(row["image_url"] is None for row in rows)
    finally:
        await conn.close()
