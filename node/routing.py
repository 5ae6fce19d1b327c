"""What the edges share (so no edge imports another): route markers and per-session tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp_session
from aiohttp import web
from multidict import MultiDict

from node.domain.inputs import clean_pairs, clean_text

_CSRF_EXEMPT = "_commonroom_csrf_exempt"

F = TypeVar("F", bound=Callable[..., Awaitable[web.StreamResponse]])


def csrf_exempt(handler: F) -> F:
    """For endpoints that servers or API clients call, which authenticate otherwise."""
    setattr(handler, _CSRF_EXEMPT, True)
    return handler


def is_csrf_exempt(request: web.Request) -> bool:
    return bool(getattr(request.match_info.handler, _CSRF_EXEMPT, False))


async def session_token(request: web.Request, key: str) -> str:
    """A random token kept in the session under `key`, made on first use: the value a form
    carries back (CSRF, the OAuth consent page) to prove it came from this session."""
    session = await aiohttp_session.get_session(request)
    token = session.get(key)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[key] = token
    return token


async def session_token_matches(request: web.Request, key: str, sent: str) -> bool:
    session = await aiohttp_session.get_session(request)
    expected = session.get(key)
    return isinstance(expected, str) and hmac.compare_digest(expected, sent)


@web.middleware
async def clean_url(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The URL's path segments and query string cleaned of what PostgreSQL cannot store
    (node.domain.inputs), for every edge at once: first in the chain, so every middleware and
    handler reads the cleaned values. (Only U+0000 can get this far: aiohttp decodes a URL's
    bytes with replacement, so no surrogate does.)"""
    info = request.match_info
    for name, value in list(info.items()):
        if isinstance(value, str) and "\x00" in value:
            info[name] = clean_text(value)
    if "\x00" not in request.query_string and "\x00" not in "".join(request.query.keys()):
        return await handler(request)
    query = MultiDict(clean_pairs(request.query.items()))
    return await handler(request.clone(rel_url=request.rel_url.with_query(query)))
