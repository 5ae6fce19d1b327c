"""Request id, logging and metrics; error pages; the signed-in account; CSRF."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from node import keys
from node.domain.errors import Conflict, Forbidden, NotFound, TooManyAttempts, ValidationFailed
from node.logs import request_id_var
from node.routing import is_csrf_exempt
from node.web import csrf
from node.web.forms import read_form
from node.web.render import render
from node.web.session import signed_in_account

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Already taken",
    413: "Too large",
    422: "Please check the form",
    429: "Too many attempts",
    500: "Something went wrong",
}


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id (kept from X-Request-Id if sane), log it, count it."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[keys.REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        return response
    except web.HTTPException as error:
        status = error.status
        error.headers["X-Request-Id"] = request_id
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = _route_name(request)
        metrics = request.app[keys.HTTP_METRICS]
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(route).observe(elapsed)
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={"status": status, "ms": round(elapsed * 1000, 2), "route": route},
        )
        request_id_var.reset(token)


def _route_name(request: web.Request) -> str:
    """The route pattern, not the path, so metrics do not grow a label per username."""
    info = request.match_info.route.resource
    if info is None:
        return "unmatched"
    return info.canonical


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type not in {"text/plain", "text/html"}:
            raise
        if error.text and error.content_type == "text/plain" and error.status != 404:
            return await _error_page(request, error.status, error.text, dict(error.headers))
        return await _error_page(request, error.status, None, dict(error.headers))
    except NotFound as error:
        return await _error_page(request, 404, str(error))
    except Forbidden as error:
        return await _error_page(request, 403, str(error))
    except TooManyAttempts as error:
        return await _error_page(request, 429, str(error), {"Retry-After": str(error.retry_after)})
    except (ValidationFailed, Conflict) as error:
        return await _error_page(request, 409 if isinstance(error, Conflict) else 422, str(error))
    except Exception:
        log.exception("unhandled error while serving %s %s", request.method, request.path)
        return await _error_page(request, 500, None)


async def _error_page(
    request: web.Request, status: int, detail: str | None, headers: dict[str, str] | None = None
) -> web.Response:
    kept = {k: v for k, v in (headers or {}).items() if k.lower() in {"retry-after", "allow"}}
    if "json" in request.headers.get("Accept", ""):
        # Servers and API clients get JSON in Mastodon's shape, not an HTML page.
        body = {"error": detail or _ERROR_TITLES.get(status, "error")}
        return web.json_response(body, status=status, headers=kept)
    context = {
        "status": status,
        "title": _ERROR_TITLES.get(status, "Error"),
        "detail": detail,
        "request_id": request.get(keys.REQUEST_ID, ""),
    }
    response = await render(request, "error.html", context, status=status)
    response.headers.update(kept)
    return response


@web.middleware
async def current_account(request: web.Request, handler: Handler) -> web.StreamResponse:
    account = await signed_in_account(request)
    if account is not None:
        request[keys.CURRENT_ACCOUNT] = account
    return await handler(request)


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing form post carries the session's CSRF token."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or is_csrf_exempt(request):
        return await handler(request)
    form = await read_form(request)
    sent = form.get(csrf.FIELD)
    if not isinstance(sent, str) or not await csrf.matches(request, sent):
        raise web.HTTPForbidden(text="This form has expired. Go back, reload the page and retry.")
    return await handler(request)
