"""Route markers shared by the edges (so no edge imports another)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

_CSRF_EXEMPT = "_commonroom_csrf_exempt"

F = TypeVar("F", bound=Callable[..., Awaitable[web.StreamResponse]])


def csrf_exempt(handler: F) -> F:
    """For endpoints that servers or API clients call, which authenticate otherwise."""
    setattr(handler, _CSRF_EXEMPT, True)
    return handler


def is_csrf_exempt(request: web.Request) -> bool:
    return bool(getattr(request.match_info.handler, _CSRF_EXEMPT, False))
