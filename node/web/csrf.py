"""CSRF tokens: one per session, in a hidden field of every form (DESIGN.md §5)."""

from __future__ import annotations

import hmac
import secrets

import aiohttp_session
from aiohttp import web

FIELD = "_csrf"
_KEY = "csrf"


async def token_for(request: web.Request) -> str:
    session = await aiohttp_session.get_session(request)
    token = session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


async def matches(request: web.Request, sent: str) -> bool:
    session = await aiohttp_session.get_session(request)
    expected = session.get(_KEY)
    return isinstance(expected, str) and hmac.compare_digest(expected, sent)
