"""Pages anyone can open: home and profiles."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.services import accounts
from node.web.render import render

routes = web.RouteTableDef()


@routes.get("/", name="home")
async def home(request: web.Request) -> web.Response:
    return await render(request, "home.html", {"account": request.get(keys.CURRENT_ACCOUNT)})


@routes.get(r"/@{username:[A-Za-z0-9_]{1,30}}", name="profile")
async def profile(request: web.Request) -> web.Response:
    account = await accounts.get_account_by_username(
        request.app[keys.DATABASE], request.match_info["username"]
    )
    host = request.app[keys.SETTINGS].public_host
    return await render(request, "profile.html", {"profile": account, "host": host})
