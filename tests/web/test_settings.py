"""The settings page through its real forms: CSRF, validation messages, images, and what the
HTML profile and the actor document show afterwards."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import aiohttp
from PIL import Image

from node.settings import Settings
from tests.fixtures.media import images
from tests.support.web import Client, person_signed_in

AS2 = {"Accept": "application/activity+json"}


def _profile_form(token: str | None, **overrides: Any) -> list[tuple[str, str]]:
    """The settings form as a browser sends it: four label/value rows, checked boxes only."""
    values: dict[str, Any] = {
        "display_name": "Ms. Ana Reyes",
        "bio": "Science teacher.\nSlides: https://slides.example/ana",
        "fields": [("School", "Lincoln Elementary"), ("Subjects", "Biology, chemistry")],
        "locked": False,
        "discoverable": False,
        "indexable": False,
    }
    values.update(overrides)
    form = [("_csrf", token)] if token is not None else []
    form += [("display_name", values["display_name"]), ("bio", values["bio"])]
    rows = list(values["fields"]) + [("", "")] * max(0, 4 - len(values["fields"]))
    for name, value in rows:
        form += [("field_name", name), ("field_value", value)]
    form += [(flag, "1") for flag in ("locked", "discoverable", "indexable") if values[flag]]
    return form


def _image_form(data: bytes, token: str | None, description: str = "") -> aiohttp.FormData:
    form = aiohttp.FormData()
    if token is not None:
        form.add_field("_csrf", token)
    form.add_field("description", description)
    form.add_field("file", data, filename="me.jpg", content_type="image/jpeg")
    return form


def _checked(page: str, name: str) -> bool:
    box = re.search(rf'<input id="{name}" name="{name}" type="checkbox"[^>]*>', page)
    assert box, f"no {name} checkbox"
    return " checked" in box.group(0)


async def _actor(client: Client, username: str = "ana") -> dict[str, Any]:
    response = await client.get(f"/users/{username}", headers=AS2)
    assert response.status == 200
    document: dict[str, Any] = await response.json(content_type=None)
    return document


async def test_settings_needs_a_signed_in_person(client: Client) -> None:
    response = await client.get("/settings", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/sign-in?next=/settings"


async def test_settings_page_is_linked_and_offers_the_suggested_fields(client: Client) -> None:
    await person_signed_in(client)
    home = await (await client.get("/")).text()
    assert '<a href="/settings">Settings</a>' in home
    page = await (await client.get("/settings")).text()
    for placeholder in ("School", "Subjects", "Grade levels"):
        assert f'placeholder="{placeholder}"' in page
    for field in ("display_name", "bio", "field-name-0", "field-value-3", "locked", "avatar"):
        assert f'<label for="{field}">' in page
    # Both discovery flags start off, and say why they matter for minors.
    assert not _checked(page, "discoverable") and not _checked(page, "indexable")
    assert page.count("anyone under 18") == 2


# A bio and fields with markup in them, some of it hostile.
WITH_MARKUP: dict[str, Any] = {
    "bio": "Science teacher. <script>alert(1)</script>\n\nSlides: https://slides.example/ana",
    "fields": [
        ("School", "Lincoln Elementary"),
        ("Site", "https://lincoln.example/science"),
        ("Note", '"><img src=x onerror=alert(1)>'),
    ],
}


async def test_saving_the_form_shows_on_the_profile_and_in_the_actor_document(
    client: Client,
) -> None:
    # Given a signed-in teacher
    token = await person_signed_in(client)
    # When she saves her profile
    form = _profile_form(token, **WITH_MARKUP, locked=True, discoverable=True)
    response = await client.post("/settings", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/settings?saved=profile"
    # Then the settings page shows what she saved
    page = await (await client.get("/settings?saved=profile")).text()
    assert "Your profile is saved." in page
    assert 'value="Ms. Ana Reyes"' in page
    assert 'value="Lincoln Elementary"' in page
    assert _checked(page, "locked") and _checked(page, "discoverable")
    assert not _checked(page, "indexable")
    # and so does her public profile, with the bio escaped and its link made safe
    profile = await (await client.get("/@ana")).text()
    assert '<h1 id="profile-name">Ms. Ana Reyes</h1>' in profile
    assert "<script>alert(1)</script>" not in profile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile
    assert 'href="https://slides.example/ana"' in profile
    assert "<dt>School</dt>" in profile and "Lincoln Elementary</dd>" in profile
    assert 'href="https://lincoln.example/science"' in profile
    assert "<img src=x" not in profile and "&lt;img src=x onerror=alert(1)&gt;" in profile
    assert "Approves followers by hand" in profile
    assert '<meta name="robots" content="noindex">' in profile  # not indexable
    # and her actor document
    actor = await _actor(client)
    assert actor["name"] == "Ms. Ana Reyes"
    assert "&lt;script&gt;" in actor["summary"] and "<script>" not in actor["summary"]
    assert actor["summary"].startswith("<p>Science teacher.")
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["discoverable"] is True and actor["indexable"] is False
    assert actor["attachment"][0] == {
        "type": "PropertyValue", "name": "School", "value": "Lincoln Elementary",
    }  # fmt: skip
    site = actor["attachment"][1]
    assert site["name"] == "Site" and site["type"] == "PropertyValue"
    assert '<a href="https://lincoln.example/science"' in site["value"]
    assert 'rel="nofollow noopener noreferrer"' in site["value"]
    assert actor["attachment"][2]["value"] == '"&gt;&lt;img src=x onerror=alert(1)&gt;'
    context_terms = actor["@context"][-1]
    assert context_terms["PropertyValue"] == "schema:PropertyValue"


async def test_a_too_long_display_name_is_refused_with_a_message_and_the_input_kept(
    client: Client,
) -> None:
    token = await person_signed_in(client)
    response = await client.post(
        "/settings", data=_profile_form(token, display_name="A" * 61, bio="Kept bio")
    )
    page = await response.text()
    assert response.status == 422
    assert 'role="alert"' in page
    assert "Your display name is 61 characters long; use at most 60" in page
    assert 'aria-invalid="true"' in page
    assert "Kept bio</textarea>" in page  # what was typed is not lost
    actor = await _actor(client)
    assert actor["name"] == "" and actor["summary"] == ""  # nothing was saved


async def test_more_than_four_fields_are_refused(client: Client) -> None:
    token = await person_signed_in(client)
    five = [(f"Label {n}", f"Value {n}") for n in range(5)]
    response = await client.post("/settings", data=_profile_form(token, fields=five))
    page = await response.text()
    assert response.status == 422
    assert "You can show at most 4 profile fields; you filled in 5" in page
    assert 'value="Value 4"' in page  # every row comes back, so one can be cleared
    assert (await _actor(client))["attachment"] == []


async def test_a_field_needs_both_a_label_and_a_value(client: Client) -> None:
    token = await person_signed_in(client)
    form = _profile_form(token, fields=[("School", ""), ("", "Grade 5")])
    page = await (await client.post("/settings", data=form)).text()
    assert "Profile field 1 needs a value" in page
    assert "Profile field 2 needs a label" in page
    assert 'href="#field-value-0"' in page and 'href="#field-name-1"' in page


async def test_a_profile_form_without_the_csrf_token_is_refused(client: Client) -> None:
    await person_signed_in(client)
    response = await client.post("/settings", data=_profile_form(None))
    assert response.status == 403
    assert (await _actor(client))["name"] == ""


async def test_avatar_and_header_upload_replace_and_remove(
    client: Client, settings: Settings
) -> None:
    token = await person_signed_in(client)
    # When she uploads a phone photo as her avatar, with a description
    response = await client.post(
        "/settings/avatar",
        data=_image_form(images.jpeg_from_phone(600, 450), token, "Ana in the school garden"),
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/settings?saved=avatar"
    # Then her actor has an icon, served cleaned, upright and at most 400 pixels a side
    icon = (await _actor(client))["icon"]
    assert icon["type"] == "Image" and icon["mediaType"] == "image/jpeg"
    served = await client.get(icon["url"].removeprefix(settings.public_url))
    assert served.status == 200
    stored = Image.open(io.BytesIO(await served.read()))
    assert stored.size == (300, 400) and len(stored.getexif()) == 0
    # and her pages show it with its alt text
    for path in ("/settings", "/@ana"):
        page = await (await client.get(path)).text()
        assert f'src="{icon["url"]}"' in page
        assert 'alt="Ana in the school garden"' in page

    # When she uploads a header and then changes only its description
    await client.post("/settings/header", data=_image_form(images.webp(), token, "Garden"))
    header = (await _actor(client))["image"]
    assert header["mediaType"] == "image/webp"
    form = _image_form(b"", token, "Our school garden in May")
    assert (await client.post("/settings/header", data=form)).status == 200
    assert (await _actor(client))["image"] == header
    assert 'alt="Our school garden in May"' in await (await client.get("/@ana")).text()

    # When she replaces the avatar, the old file is gone
    await client.post("/settings/avatar", data=_image_form(images.png_with_alpha(), token))
    new_icon = (await _actor(client))["icon"]
    assert new_icon["url"] != icon["url"] and new_icon["mediaType"] == "image/png"
    assert (await client.get(icon["url"].removeprefix(settings.public_url))).status == 404
    # When she removes it, the actor has no icon and the file is gone
    await client.post("/settings/avatar/remove", data={"_csrf": token})
    assert "icon" not in await _actor(client)
    assert (await client.get(new_icon["url"].removeprefix(settings.public_url))).status == 404


async def test_a_file_that_is_not_an_image_is_refused_on_the_settings_page(client: Client) -> None:
    token = await person_signed_in(client)
    response = await client.post(
        "/settings/avatar", data=_image_form(b"<svg onload=alert(1)>", token)
    )
    page = await response.text()
    assert response.status == 422
    assert html.escape("not an image we accept") in page
    assert 'id="avatar-error"' in page
    assert "icon" not in await _actor(client)


async def test_an_image_form_without_the_csrf_token_is_refused(client: Client) -> None:
    await person_signed_in(client)
    response = await client.post("/settings/avatar", data=_image_form(images.webp(), None))
    assert response.status == 403
    assert "icon" not in await _actor(client)
