"""CSRF tokens: one per session, in a hidden field of every form (DESIGN.md §5)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp_session
from aiohttp import web

FIELD = "_csrf"
_KEY = "csrf"
_EXEMPT = "_commonroom_csrf_exempt"

F = TypeVar("F", bound=Callable[..., Awaitable[web.StreamResponse]])


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


def exempt(handler: F) -> F:
    """For endpoints that servers or API clients call, which authenticate otherwise."""
    setattr(handler, _EXEMPT, True)
    return handler


def is_exempt(request: web.Request) -> bool:
    return bool(getattr(request.match_info.handler, _EXEMPT, False))
