"""Defence in depth: every HTML page sends a strict Content-Security-Policy and needs nothing
it forbids; files of non-public posts stay out of shared caches and other sites' scripts."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
import pytest
from PIL import Image

from tests.api.helpers import Client, bearer, expect_json, make_user, password_token, sign_in_web

DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
PUBLIC_PAGES = ("/", "/sign-in", "/sign-up", "/password-reset", "/groups", "/@ana", "/nowhere")
SIGNED_IN_PAGES = ("/", "/settings", "/notifications", "/search?q=ana", "/follow-requests",
                   "/bookmarks", "/groups/new", "/@ana")  # fmt: skip


def _directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _assert_strict(response: aiohttp.ClientResponse, page: str) -> None:
    policy = _directives(response.headers["Content-Security-Policy"])
    for directive in DIRECTIVES:
        name, value = directive.split(" ", 1)
        assert policy[name] == value, (response.url, name)
    # Remote avatars and attachments are hot-linked over https (and http on test nodes).
    assert policy["img-src"].split()[:2] == ["'self'", "https:"]
    # And the page needs nothing the policy refuses: no inline script, handler or style.
    assert not re.search(r"<script(?![^>]*\ssrc=)", page), response.url
    assert not re.search(r"\son[a-z]+\s*=", page), response.url
    assert not re.search(r"\sstyle\s*=", page), response.url


async def _check(client: Client, paths: tuple[str, ...]) -> None:
    for path in paths:
        response = await client.get(path)
        assert response.content_type == "text/html", path
        _assert_strict(response, await response.text())


async def test_every_main_page_sends_a_strict_content_security_policy(client: Client) -> None:
    await make_user(client, "ana")
    await _check(client, PUBLIC_PAGES)
    await sign_in_web(client, "ana")
    await _check(client, SIGNED_IN_PAGES)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def _posted_image(client: Client, token: str, visibility: str) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(_png()), filename="upload.png")
    form.add_field("description", "A blue square")
    media = await expect_json(await client.post("/api/v2/media", data=form, headers=bearer(token)))
    await expect_json(
        await client.post(
            "/api/v1/statuses", headers=bearer(token),
            json={"status": "Look", "visibility": visibility, "media_ids": [media["id"]]},
        )
    )  # fmt: skip
    return media


@pytest.mark.parametrize("visibility", ["private", "direct"])
async def test_files_of_non_public_posts_are_cached_privately(
    client: Client, visibility: str
) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    media = await _posted_image(client, token, visibility)
    origin = str(client.make_url("")).rstrip("/")
    for url in (media["url"], media["preview_url"]):
        served = await client.get(url.removeprefix(origin))
        assert served.status == 200
        assert served.headers["Cache-Control"].split(",")[0] == "private"
        assert "Access-Control-Allow-Origin" not in served.headers
        again = await client.get(
            url.removeprefix(origin), headers={"If-None-Match": served.headers["ETag"]}
        )
        assert again.status == 304 and again.headers["Cache-Control"].startswith("private")


async def test_files_of_public_posts_may_be_cached_anywhere(client: Client) -> None:
    await make_user(client, "ana")
    token = await password_token(client, "ana")
    media = await _posted_image(client, token, "public")
    served = await client.get(media["url"].removeprefix(str(client.make_url("")).rstrip("/")))
    assert served.headers["Cache-Control"].startswith("public")
    assert served.headers["Access-Control-Allow-Origin"] == "*"
