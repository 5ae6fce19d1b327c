"""The settings page of a signed-in person: their profile, avatar and header, privacy choices,
password, signed-in browsers and authorised apps (the last three in node.web.security).

The profile form goes through the CSRF middleware like every form. The image forms are exempt
from it only because it buffers the whole body under the app's limit (smaller than an image
may be); they stream the form under the upload limit and check the same session token first,
as `POST /media` does.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.domain.media import MAX_DESCRIPTION
from node.domain.profiles import (
    FIELD_SUGGESTIONS,
    MAX_BIO,
    MAX_DISPLAY_NAME,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    ImageSlot,
    ProfileEdit,
    ProfileField,
    ProfileRefused,
)
from node.routing import csrf_exempt
from node.services.profiles import profiles
from node.web import csrf, security
from node.web.forms import form_text, read_form
from node.web.render import render
from node.web.uploads import read_upload_form

routes = web.RouteTableDef()

_SLOTS = "{slot:avatar|header}"
_MAX_ROWS = 16  # rows read from a (possibly forged) form; more than MAX_FIELDS is refused
_SERVERS = " Other servers get the change within a few minutes."
_SAVED = {
    "profile": "Your profile is saved." + _SERVERS,
    "avatar": "Your profile picture is saved." + _SERVERS,
    "header": "Your header image is saved." + _SERVERS,
    **security.MESSAGES,
}
_EXPIRED = "This form has expired. Go back, reload the page and retry."


_signed_in = security.signed_in


@routes.get("/settings", name="settings")
async def settings_page(request: web.Request) -> web.Response:
    account = _signed_in(request)
    profile = await profiles.get_profile(request.app[keys.NODE], account)
    edit = ProfileEdit(
        display_name=account.display_name,
        bio=account.bio,
        fields=profile.fields,
        locked=profile.locked,
        discoverable=profile.discoverable,
        indexable=profile.indexable,
    )
    saved = _SAVED.get(request.query.get("saved", ""))
    return await _page(request, account, edit, {}, saved=saved)


@routes.post("/settings")
async def save_profile(request: web.Request) -> web.Response:
    account = _signed_in(request)
    form = await read_form(request)
    names = [v for v in form.getall("field_name", []) if isinstance(v, str)][:_MAX_ROWS]
    values = [v for v in form.getall("field_value", []) if isinstance(v, str)][:_MAX_ROWS]
    names += [""] * (len(values) - len(names))
    values += [""] * (len(names) - len(values))
    edit = ProfileEdit(
        display_name=form_text(form, "display_name", 1000),
        bio=form_text(form, "bio", 10 * MAX_BIO),
        fields=tuple(ProfileField(n[:1000], v[:1000]) for n, v in zip(names, values, strict=True)),
        locked=bool(form_text(form, "locked")),
        discoverable=bool(form_text(form, "discoverable")),
        indexable=bool(form_text(form, "indexable")),
    )
    try:
        await profiles.update_profile(request.app[keys.NODE], account, edit)
    except ProfileRefused as refused:
        return await _page(request, account, edit, refused.problems, status=422)
    raise web.HTTPSeeOther("/settings?saved=profile")


@routes.post("/settings/password")
async def change_password(request: web.Request) -> web.Response:
    account = _signed_in(request)
    problems = await security.change_password(request, account)
    if problems:
        return await _page_as_saved(request, account, problems, status=422)
    raise web.HTTPSeeOther("/settings?saved=password")


@routes.post(f"/settings/{_SLOTS}")
@csrf_exempt
async def upload_image(request: web.Request) -> web.Response:
    account = _signed_in(request)
    slot: ImageSlot = "avatar" if request.match_info["slot"] == "avatar" else "header"
    form = await read_upload_form(request, text_fields=("_csrf", "description"), field_name=slot)
    if not await csrf.matches(request, form.text.get("_csrf", "")):
        raise web.HTTPForbidden(text=_EXPIRED)
    ctx = request.app[keys.NODE]
    try:
        await profiles.set_image(
            ctx, account, slot, form.file or None, description=form.text.get("description", "")
        )
    except ValidationFailed as refused:
        return await _page_as_saved(request, account, {slot: refused.message}, status=422)
    raise web.HTTPSeeOther(f"/settings?saved={slot}")


@routes.post(f"/settings/{_SLOTS}/remove")
async def remove_image(request: web.Request) -> web.Response:
    account = _signed_in(request)
    slot: ImageSlot = "avatar" if request.match_info["slot"] == "avatar" else "header"
    await profiles.remove_image(request.app[keys.NODE], account, slot)
    raise web.HTTPSeeOther(f"/settings?saved={slot}")


async def _page_as_saved(
    request: web.Request, account: Account, problems: dict[str, str], *, status: int
) -> web.Response:
    profile = await profiles.get_profile(request.app[keys.NODE], account)
    edit = ProfileEdit(
        account.display_name, account.bio, profile.fields, profile.locked,
        profile.discoverable, profile.indexable,
    )  # fmt: skip
    return await _page(request, account, edit, problems, status=status)


async def _page(
    request: web.Request,
    account: Account,
    edit: ProfileEdit,
    problems: dict[str, str],
    *,
    saved: str | None = None,
    status: int = 200,
) -> web.Response:
    rows = list(edit.fields) + [ProfileField("", "")] * (MAX_FIELDS - len(edit.fields))
    context = {
        "title": "Settings",
        "edit": edit,
        "rows": rows,
        "suggestions": [s for s, _ in FIELD_SUGGESTIONS],
        "problems": problems,
        "saved": saved,
        "view": await profiles.profile_view(request.app[keys.NODE], account),
        **await security.security_context(request, account),
        "limits": {
            "display_name": MAX_DISPLAY_NAME, "bio": MAX_BIO, "fields": MAX_FIELDS,
            "field_name": MAX_FIELD_NAME, "field_value": MAX_FIELD_VALUE,
            "description": MAX_DESCRIPTION,
        },
    }  # fmt: skip
    return await render(request, "settings.html", context, status=status)
