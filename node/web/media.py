"""Upload an image (`POST /media`) and serve stored files (`GET /media/{key}`).

The upload is exempt from the CSRF middleware only because that middleware buffers the whole
form under the app's body limit; this handler streams the form under the upload limit instead
and checks the same session token itself before anything is processed or stored.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.infra.media_store import media_urls
from node.routing import csrf_exempt
from node.services.posts import media as media_service
from node.web import csrf
from node.web.uploads import read_upload_form

routes = web.RouteTableDef()

_TEXT_FIELDS = ("_csrf", "description", "next")
_YEAR = 365 * 24 * 3600
# Served files are pixels only. Should something else ever be stored, `sandbox` and
# `default-src 'none'` keep it from running script or loading anything when opened directly.
_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",  # other servers' pages show our images
}
# Public files may sit in shared caches and be read by scripts anywhere. Those of a post with a
# narrower audience stay in the viewer's own browser cache, and no other site's script may read
# them (an <img> elsewhere still shows them: followers on other servers see them that way).
_PUBLIC_FILE = {"Cache-Control": f"public, max-age={_YEAR}, immutable",
                "Access-Control-Allow-Origin": "*"}  # fmt: skip
_PRIVATE_FILE = {"Cache-Control": f"private, max-age={_YEAR}, immutable"}


@routes.post("/media", name="media_upload")
@csrf_exempt
async def upload(request: web.Request) -> web.StreamResponse:
    try:
        return await _upload(request)
    except web.HTTPClientError as error:
        if not _wants_json(request):
            raise
        return web.json_response({"error": error.text}, status=error.status)


async def _upload(request: web.Request) -> web.StreamResponse:
    account = _signed_in(request)
    form = await read_upload_form(request, text_fields=_TEXT_FIELDS)
    if not await csrf.matches(request, form.text.get("_csrf", "")):
        raise web.HTTPForbidden(text="This form has expired. Go back, reload the page and retry.")
    if not form.file:
        raise ValidationFailed("file", "Choose an image to upload")
    ctx = request.app[keys.NODE]
    media = await media_service.upload_media(
        ctx, account, form.file, description=form.text.get("description", "")
    )
    if _wants_json(request):
        url, preview_url = media_urls(ctx.urls, media)
        return web.json_response(
            {
                "id": str(media.id),  # string ids, as Mastodon clients expect (brief §10.1)
                "type": media.kind,
                "url": url,
                "preview_url": preview_url,
                "blurhash": media.blurhash,
                "description": media.description,
                "width": media.width,
                "height": media.height,
            },
            status=201,
        )
    raise web.HTTPSeeOther(_local_path(form.text.get("next", "")))


@routes.get(r"/media/{key:[A-Za-z0-9_.-]{1,80}}", name="media_file")
async def serve(request: web.Request) -> web.StreamResponse:
    # Refusals are plain responses, not the HTML error page: that page would start a session
    # for every broken image link (and see upload() on error_pages and JSON clients).
    accept = request.headers.get("Accept", "")
    if "activity+json" in accept or "ld+json" in accept:
        # An uploaded file must never pass for an ActivityPub document (FEP-fe34, brief §9.1).
        return web.Response(status=406, text="Media files are not ActivityPub documents")
    key = request.match_info["key"]
    found = await media_service.read_file(request.app[keys.NODE], key)
    if found is None:
        return web.Response(status=404, text="No such file")
    etag = f'"{key}"'  # a key names one immutable file
    headers = {**_FILE_HEADERS, **(_PUBLIC_FILE if found.public else _PRIVATE_FILE), "ETag": etag}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=found.data, content_type=found.content_type, headers=headers)


def _signed_in(request: web.Request) -> Account:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    if account is None:
        if _wants_json(request):
            raise web.HTTPUnauthorized(text="Sign in to upload images")
        raise web.HTTPSeeOther("/sign-in?next=/")
    return account


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _local_path(target: str) -> str:
    # Only a path on this site: never "//host" or "/\\host", which browsers treat as off-site.
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"
