"""Conversations (direct messages, one entry per thread): list, delete, mark read. What a
conversation is comes from services.conversations; this edge pages and renders it."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.ids import path_row_id
from node.api.pagination import link_header, page_request, window
from node.api.present import Presenter
from node.api.safety_entities import conversation_to_api
from node.api.serializers import JSON
from node.services.posts import timelines
from node.services.social import conversations
from node.services.social.conversations import ConversationView

routes = web.RouteTableDef()


async def render_conversations(presenter: Presenter, found: list[ConversationView]) -> list[JSON]:
    last_posts = await timelines.visible_posts(
        presenter.ctx, presenter.viewer, [c.last_post_id for c in found]
    )
    statuses = dict(zip([p.id for p in last_posts], await presenter.statuses(last_posts),
                        strict=True))  # fmt: skip
    shown = []
    for conversation in found:
        people = [await presenter.local_account(a) for a in conversation.accounts]
        people += [await presenter.remote_account(r) for r in conversation.remotes]
        shown.append(conversation_to_api(
            conversation.id, conversation.unread, [p for p in people if p is not None],
            statuses.get(conversation.last_post_id),
        ))  # fmt: skip
    return shown


@routes.get("/api/v1/conversations")
@routes.get("/api/v1/conversations/")  # Mastodon.py asks with the slash
async def list_conversations(request: web.Request) -> web.Response:
    """Newest first; the paging ids (and `Link`) are last statuses' ids, as on Mastodon."""
    account = auth.user(request, "read:statuses")
    ctx = request.app[keys.NODE]

    async def fetch(max_id: int | None) -> list[ConversationView]:
        return await conversations.list_conversations(ctx, account, max_id)

    page = page_request(request)
    found = await window(fetch, lambda c: c.last_post_id, page, service_page=conversations.PAGE)
    links = link_header(request, [c.last_post_id for c in found])
    return responses.json(await render_conversations(Presenter(ctx, account), found), headers=links)


@routes.delete("/api/v1/conversations/{id}")
async def delete_conversation(request: web.Request) -> web.Response:
    """Take it off the list (the posts stay); the next post in it brings it back."""
    account = auth.user(request, "write:conversations")
    await conversations.hide(request.app[keys.NODE], account, path_row_id(request))
    return responses.json({})


@routes.post("/api/v1/conversations/{id}/read")
async def read_conversation(request: web.Request) -> web.Response:
    account = auth.user(request, "write:conversations")
    ctx = request.app[keys.NODE]
    found = await conversations.mark_read(ctx, account, path_row_id(request))
    return responses.json((await render_conversations(Presenter(ctx, account), [found]))[0])
