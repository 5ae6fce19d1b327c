"""Notifications: the list (with `types[]` / `exclude_types[]`) and one by id.

A notification whose post the person may no longer see (deleted, or its audience changed) is
left out rather than shown without its post.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import not_found
from node.api.ids import parse_row_id
from node.api.pagination import link_header, page_request, window
from node.api.params import Params
from node.api.present import Notice, Presenter
from node.api.serializers import NOTIFICATION_TYPES
from node.services.social import filters, notifications

routes = web.RouteTableDef()


@routes.get("/api/v1/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    account = auth.user(request, "read:notifications")
    ctx = request.app[keys.NODE]
    query = Params({}, request.query)
    wanted = set(query.texts("types"))
    unwanted = set(query.texts("exclude_types"))

    def keep(kind: str) -> bool:
        api_type = NOTIFICATION_TYPES.get(kind, kind)
        return (not wanted or api_type in wanted) and api_type not in unwanted

    async def fetch(max_id: int | None) -> Sequence[Notice]:
        return await notifications.list_notifications(ctx, account, max_id)

    page = page_request(request, default=40, maximum=80)
    found = await window(
        fetch, lambda n: n.id, page, service_page=notifications.PAGE, keep=lambda n: keep(n.kind)
    )
    links = link_header(request, [n.id for n in found])
    # A reply that mentions you is one Mastodon notification; here it is two rows (both are
    # written together, so both are on the same page).
    mentioned = {n.post_id for n in found if n.kind == "mention"}
    # `hide` filters in the notifications context leave out notifications about their posts.
    presenter = Presenter(ctx, account, await filters.active(ctx, account, "notifications"))
    shown = []
    for item in found:
        if item.kind == "reply" and item.post_id in mentioned:
            continue
        entity = await presenter.notification(item)
        if entity is not None:
            shown.append(entity)
    return responses.json(shown, headers=links)


@routes.get("/api/v1/notifications/{id}")
async def get_notification(request: web.Request) -> web.Response:
    account = auth.user(request, "read:notifications")
    ctx = request.app[keys.NODE]
    wanted = parse_row_id(request.match_info["id"])
    if wanted is None:
        raise not_found()
    # The newest notification below id + 1 is this one, if it is this person's.
    found = await notifications.list_notifications(ctx, account, wanted + 1)
    item = found[0] if found and found[0].id == wanted else None
    entity = None
    if item is not None:
        shown_filters = await filters.active(ctx, account, "notifications")
        entity = await Presenter(ctx, account, shown_filters).notification(item)
    if entity is None:
        raise not_found()
    return responses.json(entity)


@routes.post("/api/v1/notifications/clear")
async def clear_notifications(request: web.Request) -> web.Response:
    account = auth.user(request, "write:notifications")
    await notifications.clear(request.app[keys.NODE], account)
    return responses.json({})


@routes.post("/api/v1/notifications/{id}/dismiss")
async def dismiss_notification(request: web.Request) -> web.Response:
    account = auth.user(request, "write:notifications")
    wanted = parse_row_id(request.match_info["id"])
    if wanted is None or not await notifications.dismiss(request.app[keys.NODE], account, wanted):
        raise not_found()
    return responses.json({})
