"""Sign in, sign out, and set a password from a one-time link."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.domain.signup import AccountNotActive
from node.services.accounts import accounts
from node.web import session
from node.web.forms import form_text, read_form
from node.web.render import render

routes = web.RouteTableDef()


@routes.get("/sign-in", name="sign_in")
async def sign_in_form(request: web.Request) -> web.Response:
    context = {"username": "", "error": None, "next": _next_url(request.query.get("next"))}
    return await render(request, "sign_in.html", context)


@routes.post("/sign-in")
async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    username = form_text(form, "username").strip().lstrip("@")
    password = form_text(form, "password")
    target = _next_url(form_text(form, "next"))
    try:
        account = await accounts.authenticate(
            request.app[keys.DATABASE], username, password, request.remote or "unknown"
        )
    except AccountNotActive as inactive:
        return await _not_active(request, inactive)
    except ValidationFailed as error:
        context = {"username": username, "error": error.message, "next": target}
        return await render(request, "sign_in.html", context, status=401)
    await session.sign_in(request, account.id)
    raise web.HTTPSeeOther(target)


async def _not_active(request: web.Request, inactive: AccountNotActive) -> web.Response:
    """The password was right but the account may not sign in yet: say why, offer a resend."""
    context = {"reason": inactive.reason, "message": inactive.message, "email": inactive.email}
    return await render(request, "sign_up_pending.html", context, status=403)


@routes.post("/sign-out", name="sign_out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    await session.sign_out(request)
    raise web.HTTPSeeOther("/")


@routes.get("/set-password/{token}", name="set_password")
async def set_password_form(request: web.Request) -> web.StreamResponse:
    account = await _account_for_link(request)
    context = {"account": account, "error": None}
    return await render(request, "set_password.html", context)


@routes.post("/set-password/{token}")
async def set_password(request: web.Request) -> web.StreamResponse:
    link_account = await _account_for_link(request)
    form = await read_form(request)
    password = form_text(form, "password")
    if password != form_text(form, "confirm"):
        return await _set_password_error(request, link_account, "the two passwords differ")
    try:
        account = await accounts.set_password_with_token(
            request.app[keys.DATABASE], request.match_info["token"], password
        )
    except ValidationFailed as error:
        return await _set_password_error(request, link_account, error.message)
    try:
        await accounts.ensure_may_sign_in(request.app[keys.DATABASE], account.id)
    except AccountNotActive as inactive:  # the password is saved; an admin must still approve
        return await _not_active(request, inactive)
    await session.sign_in(request, account.id)
    raise web.HTTPSeeOther("/")


async def _account_for_link(request: web.Request) -> Account:
    try:
        return await accounts.account_for_password_token(
            request.app[keys.DATABASE], request.match_info["token"]
        )
    except NotFound as error:
        raise web.HTTPGone(text=str(error)) from None


async def _set_password_error(request: web.Request, account: Account, message: str) -> web.Response:
    context = {"account": account, "error": message}
    return await render(request, "set_password.html", context, status=422)


def _next_url(value: str | None) -> str:
    """Only local paths, so the sign-in form cannot be used to redirect elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"
