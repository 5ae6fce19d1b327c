"""Polls: read one (its id is its status's id) and vote in it."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import not_found, unprocessable
from node.api.params import Params
from node.api.serializers import poll_to_api
from node.api.statuses import visible_post
from node.domain.numbers import whole_number
from node.services.posts import polls

routes = web.RouteTableDef()

MAX_CHOICES = 10


@routes.get("/api/v1/polls/{id}")
async def get_poll(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, viewer, request.match_info["id"])
    found = (await polls.polls_for_posts(ctx, viewer, [post.id])).get(post.id)
    if found is None:
        raise not_found()
    return responses.json(poll_to_api(post.id, found, signed_in=viewer is not None))


@routes.post("/api/v1/polls/{id}/votes")
async def vote(request: web.Request) -> web.Response:
    account = auth.user(request, "write:statuses")
    ctx = request.app[keys.NODE]
    post = await visible_post(ctx, account, request.match_info["id"])
    texts = (await Params.read(request)).texts("choices", max_items=MAX_CHOICES, max_length=4)
    choices = [whole_number(text) for text in texts]
    if not choices or None in choices:
        raise unprocessable("Validation failed: choices must be option numbers")
    await polls.vote(ctx, account, post.id, [choice for choice in choices if choice is not None])
    found = (await polls.polls_for_posts(ctx, account, [post.id]))[post.id]
    return responses.json(poll_to_api(post.id, found, signed_in=True))
