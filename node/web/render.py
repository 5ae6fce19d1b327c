"""Render a page with what every page needs (signed-in account, CSRF token, host)."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp_jinja2
from aiohttp import web

from node import keys
from node.services.social import notifications
from node.web import csrf


async def render(
    request: web.Request,
    template: str,
    context: Mapping[str, object] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    # Built per render rather than as a context processor: aiohttp_jinja2 runs processors in a
    # middleware for every request, which would start a session for API and server requests too.
    page: dict[str, object] = {
        "current_account": request.get(keys.CURRENT_ACCOUNT),
        "csrf_token": await csrf.token_for(request),
        "csrf_field": csrf.FIELD,
        "public_host": request.app[keys.SETTINGS].public_host,
        "unread_count": 0,
    }
    account = request.get(keys.CURRENT_ACCOUNT)
    if account is not None and keys.NODE in request.app:
        page["unread_count"] = await notifications.unread_count(request.app[keys.NODE], account)
    page.update(context or {})
    response = aiohttp_jinja2.render_template(template, request, page, status=status)
    response.headers.setdefault(
        "Cache-Control", "no-store" if page["current_account"] else "no-cache"
    )
    return response
