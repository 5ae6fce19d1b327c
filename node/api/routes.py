"""Gather the client API's route tables and its middleware (the `api` edge)."""

from __future__ import annotations

from aiohttp import web

from node.api import (
    account_lists,
    accounts,
    apps,
    blocks_mutes,
    consent,
    conversations,
    credentials,
    filters,
    follow_requests,
    images,
    instance,
    lists,
    markers,
    media,
    notifications,
    polls,
    post_lists,
    reports,
    search,
    status_edits,
    statuses,
    streaming,
    timelines,
)
from node.api.middlewares import api_edge
from node.routing import csrf_exempt

__all__ = ["api_edge", "setup_api_routes"]

# Tables whose handlers authenticate with bearer tokens or client secrets, never a session
# cookie, so the web edge's form CSRF check does not apply to them.
_TOKEN_TABLES: tuple[web.RouteTableDef, ...] = (
    apps.routes,
    instance.routes,
    accounts.routes,
    statuses.routes,
    timelines.routes,
    notifications.routes,
    polls.routes,
    search.routes,
    media.routes,
    credentials.routes,
    account_lists.routes,
    follow_requests.routes,
    post_lists.routes,
    status_edits.routes,
    markers.routes,
    streaming.routes,
    blocks_mutes.routes,
    reports.routes,
    lists.routes,
    filters.routes,
    conversations.routes,
)


def setup_api_routes(app: web.Application) -> None:
    for table in _TOKEN_TABLES:
        for route in table:
            if isinstance(route, web.RouteDef):
                csrf_exempt(route.handler)
        app.router.add_routes(table)
    app.router.add_routes(consent.routes)
    app.router.add_routes(images.routes)
