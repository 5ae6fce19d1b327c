"""CSRF tokens: one per session, in a hidden field of every form."""

from __future__ import annotations

from aiohttp import web

from node.routing import session_token, session_token_matches

FIELD = "_csrf"
_KEY = "csrf"


async def token_for(request: web.Request) -> str:
    return await session_token(request, _KEY)


async def matches(request: web.Request, sent: str) -> bool:
    return await session_token_matches(request, _KEY, sent)
