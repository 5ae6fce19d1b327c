"""The follow-requests page of a locked account: approve or reject each request."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.services.social import follow_requests
from node.web.forms import form_text, path_id, read_form
from node.web.render import render

routes = web.RouteTableDef()


def _signed_in(request: web.Request) -> Account:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    if account is None:
        raise web.HTTPSeeOther(f"/sign-in?next={request.path}")
    return account


@routes.get("/follow-requests", name="follow_requests")
async def list_requests(request: web.Request) -> web.Response:
    account = _signed_in(request)
    pending = await follow_requests.pending_requests(request.app[keys.NODE], account)
    return await render(request, "follow_requests.html", {"requests": pending})


@routes.post("/follow-requests/{follow_id:[0-9]{1,18}}")
async def answer(request: web.Request) -> web.StreamResponse:
    account = _signed_in(request)
    form = await read_form(request)
    follow_id = path_id(request, "follow_id")
    ctx = request.app[keys.NODE]
    if form_text(form, "decision") == "approve":
        await follow_requests.approve(ctx, account, follow_id)
    else:
        await follow_requests.reject(ctx, account, follow_id)
    raise web.HTTPSeeOther("/follow-requests")
