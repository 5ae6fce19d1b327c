"""Uploading through `POST /media` and fetching `/media/{key}`, over real HTTP and real files."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

from node.settings import Settings
from tests.fixtures.media import images
from tests.support.web import Client, person_signed_in

JSON = {"Accept": "application/json"}


def _form(data: bytes, token: str | None, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if token is not None:
        form.add_field("_csrf", token)
    for name, value in fields.items():
        form.add_field(name, value)
    # The name and type a browser would send; the server must ignore both.
    form.add_field("file", data, filename="photo.jpg", content_type="image/jpeg")
    return form


async def test_upload_answers_json_with_urls_that_serve_the_cleaned_image(
    client: Client, settings: Settings
) -> None:
    token = await person_signed_in(client)
    response = await client.post(
        "/media", data=_form(images.jpeg_from_phone(), token, description="Seedlings"),
        headers=JSON,
    )  # fmt: skip
    assert response.status == 201
    body = await response.json()
    assert set(body) >= {"id", "url", "preview_url", "blurhash", "description"}
    assert body["description"] == "Seedlings" and body["blurhash"]
    assert body["url"].startswith(f"{settings.public_url}/media/")
    served = await client.get(body["url"].removeprefix(settings.public_url))
    assert served.status == 200
    stored = Image.open(io.BytesIO(await served.read()))
    assert stored.size == (40, 60) and len(stored.getexif()) == 0
    preview = await client.get(body["preview_url"].removeprefix(settings.public_url))
    assert preview.status == 200


async def test_served_files_have_safe_long_lived_headers(
    client: Client, settings: Settings
) -> None:
    token = await person_signed_in(client)
    uploaded = await client.post("/media", data=_form(images.webp(), token), headers=JSON)
    path = (await uploaded.json())["url"].removeprefix(settings.public_url)
    served = await client.get(path)
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    policy = served.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "immutable" in served.headers["Cache-Control"]
    assert "max-age=31536000" in served.headers["Cache-Control"]
    again = await client.get(path, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status == 304


async def test_a_media_url_is_never_served_as_activitypub(
    client: Client, settings: Settings
) -> None:
    token = await person_signed_in(client)
    uploaded = await client.post("/media", data=_form(images.jpeg(20, 20), token), headers=JSON)
    path = (await uploaded.json())["url"].removeprefix(settings.public_url)
    response = await client.get(path, headers={"Accept": "application/activity+json"})
    assert response.status == 406


async def test_unknown_and_malformed_keys_are_not_found(client: Client) -> None:
    for path in ("/media/" + "A" * 32 + ".jpg", "/media/..%2F..%2Fsecret_key", "/media/x.svg"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_upload_without_the_csrf_token_is_refused_and_stores_nothing(
    client: Client, settings: Settings
) -> None:
    await person_signed_in(client)
    response = await client.post("/media", data=_form(images.jpeg(20, 20), None))
    assert response.status == 403
    assert not (settings.data_dir / "media").exists() or not any(
        (settings.data_dir / "media").rglob("*.jpg")
    )


async def test_a_text_file_named_jpg_gets_a_clear_error(client: Client) -> None:
    token = await person_signed_in(client)
    response = await client.post("/media", data=_form(b"not really a photo\n", token), headers=JSON)
    assert response.status == 422
    assert "not an image we accept (JPEG, PNG, WebP or GIF)" in (await response.json())["error"]


async def test_a_body_over_the_limit_is_refused_with_413(client: Client) -> None:
    token = await person_signed_in(client)
    too_big = images.jpeg(10, 10) + b"\0" * (11 * 1024 * 1024)
    response = await client.post("/media", data=_form(too_big, token), headers=JSON)
    assert response.status == 413
    assert "Images must be under 10 MiB" in (await response.json())["error"]


async def test_an_upload_just_under_the_limit_passes_the_body_limit(client: Client) -> None:
    # 9 MiB is over the app's 8 MiB body limit for ordinary forms, but within the upload limit.
    token = await person_signed_in(client)
    padded = images.jpeg(10, 10) + b"\0" * (9 * 1024 * 1024)  # JPEG decoders ignore the tail
    response = await client.post("/media", data=_form(padded, token), headers=JSON)
    assert response.status == 201


async def test_signed_out_uploads_are_refused(client: Client) -> None:
    form = _form(images.jpeg(20, 20), "whatever")
    response = await client.post("/media", data=form, headers=JSON)
    assert response.status == 401
    browser = await client.post(
        "/media", data=_form(images.jpeg(20, 20), "whatever"), allow_redirects=False
    )
    assert browser.status == 303
    assert browser.headers["Location"].startswith("/sign-in")


async def test_a_browser_form_is_redirected_to_a_local_page_only(client: Client) -> None:
    token = await person_signed_in(client)
    local = await client.post(
        "/media", data=_form(images.jpeg(20, 20), token, next="/compose"), allow_redirects=False
    )
    assert local.status == 303 and local.headers["Location"] == "/compose"
    away = await client.post(
        "/media", data=_form(images.jpeg(20, 20), token, next="//evil.example/"),
        allow_redirects=False,
    )  # fmt: skip
    assert away.status == 303 and away.headers["Location"] == "/"
