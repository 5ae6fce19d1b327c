"""Media uploads (`POST /api/v2/media` and `/api/v1/media`), and reading or describing one.

Images are processed while the request waits (services.media), so the answer is always 200
with its `url`, never 202: there is nothing to poll for.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import unprocessable
from node.api.ids import path_row_id
from node.api.params import Params
from node.api.serializers import media_to_api
from node.domain.media import MAX_DESCRIPTION
from node.services.posts import media

routes = web.RouteTableDef()


@routes.post("/api/v1/media")
@routes.post("/api/v2/media")
async def upload(request: web.Request) -> web.Response:
    account = auth.user(request, "write:media")
    params = await Params.read(request)
    upload = params.file("file")
    if upload is None:
        raise unprocessable("Validation failed: attach the image as the `file` part")
    data = upload.file.read()
    if not data:
        raise unprocessable("Validation failed: the file is empty")
    ctx = request.app[keys.NODE]
    description = params.text("description", MAX_DESCRIPTION * 2) or ""
    stored = await media.upload_media(ctx, account, data, description=description)
    return responses.json(media_to_api(ctx.urls, stored))


@routes.get("/api/v1/media/{id}")
async def get_media(request: web.Request) -> web.Response:
    account = auth.user(request, "write:media")
    ctx = request.app[keys.NODE]
    media_id = path_row_id(request)
    return responses.json(media_to_api(ctx.urls, await media.own_media(ctx, account, media_id)))


@routes.put("/api/v1/media/{id}")
async def describe(request: web.Request) -> web.Response:
    """Change the alt text of an upload not yet in a post."""
    account = auth.user(request, "write:media")
    ctx = request.app[keys.NODE]
    media_id = path_row_id(request)
    params = await Params.read(request)
    description = params.text("description", MAX_DESCRIPTION * 2) or ""
    stored = await media.set_description(ctx, account, media_id, description)
    return responses.json(media_to_api(ctx.urls, stored))
