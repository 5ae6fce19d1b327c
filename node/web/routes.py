"""Gather every route table of the HTML edge, and the static files."""

from __future__ import annotations

from aiohttp import web

from node.paths import static_dir
from node.web import (
    admin,
    follow_requests,
    group_actions,
    group_pages,
    groups,
    ops,
    people,
    posting,
    security,
    sign_in,
    sign_up,
    timelines,
)
from node.web import feeds as feed_routes
from node.web import media as media_routes
from node.web import settings as settings_routes
from node.web.headers import protect_pages

STATIC_PREFIX = "/static/"
STATIC_MAX_AGE = 7 * 24 * 3600


def setup_routes(app: web.Application) -> None:
    for table in (
        timelines.routes,
        posting.routes,
        people.routes,
        sign_in.routes,
        sign_up.routes,
        admin.routes,
        follow_requests.routes,
        settings_routes.routes,
        security.routes,
        media_routes.routes,
        feed_routes.routes,
        groups.routes,  # before group_pages: /groups/new is not a group
        group_pages.routes,
        group_actions.routes,
        ops.routes,
    ):
        app.router.add_routes(table)
    app.router.add_static("/static", static_dir(), name="static", append_version=True)
    app.on_response_prepare.append(_cache_static)
    app.on_response_prepare.append(protect_pages)


async def _cache_static(request: web.Request, response: web.StreamResponse) -> None:
    # Static URLs carry a content hash (append_version), so they may be cached for long.
    if request.path.startswith(STATIC_PREFIX) and response.status in {200, 304}:
        if "v" in request.query:
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
