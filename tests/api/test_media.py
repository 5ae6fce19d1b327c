"""Media uploads through the client API: described, attached to a status, and refused when
they are someone else's or not an image."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

from tests.api.helpers import Client, bearer, make_user, password_token, post_json


def _form(data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename="upload.png")
    for name, value in fields.items():
        form.add_field(name, value)
    return form


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_media_upload_describe_and_attach(client: Client) -> None:
    await make_user(client, "ana")
    await make_user(client, "ben")
    token = await password_token(client, "ana")
    uploaded = await client.post(
        "/api/v2/media", data=_form(_png(), description="A blue square"), headers=bearer(token)
    )
    media = await uploaded.json()
    assert uploaded.status == 200, media
    assert media["type"] == "image" and media["description"] == "A blue square"
    assert media["meta"]["original"]["width"] == 64 and media["blurhash"]
    picture = await client.get(media["url"].replace(str(client.make_url("")).rstrip("/"), ""))
    assert picture.status == 200

    path = f"/api/v1/media/{media['id']}"
    described = await client.put(path, json={"description": "Blue"}, headers=bearer(token))
    assert (await described.json())["description"] == "Blue"
    status = await post_json(client, token, status="Colour of the day", media_ids=[media["id"]])
    assert [m["id"] for m in status["media_attachments"]] == [media["id"]]
    ben = await password_token(client, "ben")
    assert (await client.get(path, headers=bearer(ben))).status == 404
    stolen = await client.post(
        "/api/v1/statuses", headers=bearer(ben), json={"status": "mine", "media_ids": [media["id"]]}
    )
    assert stolen.status == 422

    junk = await client.post("/api/v1/media", data=_form(b"not an image"), headers=bearer(token))
    assert junk.status == 422
    missing = await client.post("/api/v1/media", data={"description": "x"}, headers=bearer(token))
    assert missing.status == 422
