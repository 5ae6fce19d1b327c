"""Content negotiation: AS2 for servers, HTML for browsers (FEDERATION.md)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

AP_TYPE = "application/activity+json"


def wants_activity_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return AP_TYPE in accept or ("application/ld+json" in accept and "activitystreams" in accept)


def activity_json(document: dict[str, Any], *, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(document),
        status=status,
        headers={"Content-Type": AP_TYPE, "Vary": "Accept", "Cache-Control": "max-age=60"},
    )
