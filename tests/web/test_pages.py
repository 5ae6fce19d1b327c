"""The web shell: pages, error pages, static files, health and metrics."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.app import create_app
from node.services.accounts import accounts
from node.settings import Settings
from tests.support.web import Client, ctx_of


async def test_home_page_has_landmarks_and_a_sign_in_link(client: Client) -> None:
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    for landmark in ("<header", "<nav", "<main", "<footer", 'lang="en"', 'name="viewport"'):
        assert landmark in page
    assert 'href="#main"' in page  # skip link for keyboard users
    assert 'href="/sign-in"' in page


async def test_sign_in_page_labels_every_field(client: Client) -> None:
    page = await (await client.get("/sign-in")).text()
    for field in ("username", "password"):
        assert f'<label for="{field}">' in page
        assert f'id="{field}"' in page


async def test_profile_page_shows_the_person(client: Client, settings: Settings) -> None:
    await accounts.create_account(ctx_of(client).db, "Ben", "ben@district.example")
    response = await client.get("/@ben")
    page = await response.text()
    assert response.status == 200
    assert f"@Ben@{settings.public_host}" in page
    assert "Educator" in page


async def test_unknown_profile_and_unknown_page_get_the_404_page(client: Client) -> None:
    for path in ("/@nobody_here", "/no/such/page"):
        response = await client.get(path)
        assert response.status == 404
        page = await response.text()
        assert "Page not found" in page and "<main" in page


async def test_unexpected_error_gets_the_500_page_with_a_reference(settings: Settings) -> None:
    app = create_app(settings)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as test_client:
        response = await test_client.get("/broken")
        page = await response.text()
    assert response.status == 500
    assert "Something went wrong" in page
    assert "boom" not in page
    assert response.headers["X-Request-Id"] in page


async def test_static_files_are_served_with_cache_headers(client: Client) -> None:
    page = await (await client.get("/")).text()
    match = re.search(r'href="(/static/site\.css\?v=[^"]+)"', page)
    assert match, "the layout links a versioned stylesheet"
    response = await client.get(match.group(1).replace("&amp;", "&"))
    assert response.status == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]
    plain = await client.get("/static/site.css")
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


async def test_request_id_is_echoed_or_made(client: Client) -> None:
    given = await client.get("/", headers={"X-Request-Id": "abc123def456"})
    assert given.headers["X-Request-Id"] == "abc123def456"
    made = await client.get("/", headers={"X-Request-Id": "bad id; <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])


async def test_healthz_reports_the_database(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers


async def test_healthz_is_503_while_the_database_is_down_and_recovers(
    client: Client, settings: Settings, databases: object
) -> None:
    import asyncpg

    from tests.support.databases import with_database

    name = urlsplit(str(settings.database_url)).path.lstrip("/")
    admin = await asyncpg.connect(with_database(str(settings.database_url), "postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        down = await client.get("/healthz")
        body = await down.json()
        assert down.status == 503
        assert body["status"] == "unavailable"
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        up = await client.get("/healthz")
        assert up.status == 200
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_metrics_count_requests_by_route_and_show_the_pool(client: Client) -> None:
    await client.get("/")
    await client.get("/@someone_missing")
    text = await (await client.get("/metrics")).text()
    assert 'commonroom_http_requests_total{method="GET",route="/",status="200"} 1.0' in text
    assert 'route="/@{username}",status="404"' in text
    assert "commonroom_http_request_duration_seconds_bucket" in text
    assert re.search(r"^commonroom_db_pool_size \d", text, re.MULTILINE)
