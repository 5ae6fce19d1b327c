"""The client API's one middleware: CORS, bearer tokens, and every error as Mastodon JSON.

It sits outside the web edge's session, CSRF and error-page middlewares' reach for API paths:
it answers unmatched paths itself (JSON 404/405), and turns every exception of an API handler
into a JSON answer, so error_pages never renders HTML for a client (docs/architecture.md: each edge
maps errors to HTTP its own way).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from node.api import auth
from node.api.errors import NOT_FOUND, ApiError, json_error
from node.domain import sign_in as throttle
from node.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
)
from node.domain.oauth import OAuthError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Paths this middleware owns. The consent page (/oauth/authorize) is a web page for people and
# keeps the web edge's HTML errors.
_EXACT = frozenset(
    {"/oauth/token", "/oauth/revoke", "/oauth/userinfo", "/.well-known/oauth-authorization-server"}
)
# These authenticate the client (Basic or form fields), not a bearer token.
_CLIENT_AUTHENTICATED = frozenset({"/oauth/token", "/oauth/revoke"})
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, "
        "Idempotency-Key"
    ),
}
_PREFLIGHT = {
    **_CORS,
    "Access-Control-Allow-Methods": "POST, PUT, DELETE, GET, PATCH, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Max-Age": "1728000",
}


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path == "/api" or path in _EXACT


@web.middleware
async def api_edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_api_path(request.path):
        return await handler(request)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return web.Response(status=204, headers=_PREFLIGHT)
    response = await _answer(request, handler)
    response.headers.update(_CORS)
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        unmatched = request.match_info.http_exception
        if unmatched is not None:
            text = NOT_FOUND if unmatched.status == 404 else unmatched.reason
            kept = {k: v for k, v in unmatched.headers.items() if k.lower() == "allow"}
            return json_error(unmatched.status, text, headers=kept)
        if request.path not in _CLIENT_AUTHENTICATED:
            await auth.authenticate(request)
        return await handler(request)
    except ApiError as error:
        return error.response()
    except OAuthError as error:
        body = {"error": error.error, "error_description": error.description}
        return web.json_response(body, status=error.status)
    except NotFound as error:
        return json_error(404, str(error) or NOT_FOUND)
    except Forbidden as error:
        return json_error(403, str(error))
    except TooManyAttempts as error:
        return json_error(429, "Too many requests", str(error), _rate_limit_headers(error))
    except (ValidationFailed, Conflict) as error:
        return json_error(422, f"Validation failed: {error.message}")
    except DomainError as error:
        return json_error(422, str(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        kept = {k: v for k, v in error.headers.items() if k.lower() in {"allow", "retry-after"}}
        return json_error(error.status, error.reason, headers=kept)
    except Exception:
        log.exception("unhandled error while serving %s %s", request.method, request.path)
        return json_error(500, "Something went wrong on our side")


def _rate_limit_headers(error: TooManyAttempts) -> dict[str, str]:
    # The only limit an API request can reach today is the sign-in throttle (password grant).
    reset = datetime.now(UTC) + timedelta(seconds=error.retry_after)
    return {
        "Retry-After": str(error.retry_after),
        "X-RateLimit-Limit": str(throttle.MAX_FAILURES_PER_ACCOUNT),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
