"""The settings page's sign-in sections: the password, signed-in browsers, authorised apps.

Every form here goes through the CSRF middleware. Ending a browser's session or revoking an
app's token takes effect at that browser's or app's next request.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.errors import ValidationFailed
from node.domain.oauth import TokenId
from node.domain.sessions import WebSessionId, browser_of
from node.services.accounts import accounts, oauth, sessions
from node.web import session
from node.web.forms import form_text, path_id, read_form

routes = web.RouteTableDef()

MESSAGES = {
    "password": "Your password is changed. Every other browser signed in as you is signed out.",
    "session": "That browser is signed out.",
    "others": "You are signed out everywhere else.",
    "app": "The app can no longer use your account.",
}


def signed_in(request: web.Request) -> Account:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    if account is None:
        raise web.HTTPSeeOther("/sign-in?next=/settings")
    return account


async def security_context(request: web.Request, account: Account) -> dict[str, object]:
    """What the settings page shows of the account's sessions and apps."""
    db = request.app[keys.DATABASE]
    current = await session.current_session_id(request)
    browsers = [
        {"session": s, "browser": browser_of(s.user_agent)}
        for s in await sessions.list_sessions(db, account, current)
    ]
    return {"browsers": browsers, "apps": await oauth.authorised_apps(db, account)}


async def change_password(request: web.Request, account: Account) -> dict[str, str]:
    """The password form: {} when the password is changed, else the problems by field."""
    form = await read_form(request)
    new = form_text(form, "new_password", 2000)
    if new != form_text(form, "confirm_password", 2000):
        return {"confirm_password": "The two new passwords differ."}
    try:
        await accounts.change_password(
            request.app[keys.DATABASE], account, form_text(form, "current_password", 2000), new,
            keep_session=await session.current_session_id(request),
            client_addr=request.remote or "unknown",
        )  # fmt: skip
    except ValidationFailed as refused:
        field = "current_password" if refused.field == "current_password" else "new_password"
        return {field: f"{refused.message[:1].upper()}{refused.message[1:]}."}
    return {}


@routes.post(r"/settings/sessions/{id:[0-9]{1,18}}/end")
async def end_session(request: web.Request) -> web.Response:
    account = signed_in(request)
    target = WebSessionId(path_id(request, "id"))
    await sessions.end_session_of(request.app[keys.DATABASE], account, target)
    raise web.HTTPSeeOther("/settings?saved=session#sessions")


@routes.post("/settings/sessions/end-others")
async def end_other_sessions(request: web.Request) -> web.Response:
    account = signed_in(request)
    current = await session.current_session_id(request)
    await sessions.end_other_sessions(request.app[keys.DATABASE], account, current)
    raise web.HTTPSeeOther("/settings?saved=others#sessions")


@routes.post(r"/settings/apps/{id:[0-9]{1,18}}/revoke")
async def revoke_app(request: web.Request) -> web.Response:
    account = signed_in(request)
    token = TokenId(path_id(request, "id"))
    await oauth.revoke_for_account(request.app[keys.DATABASE], account, token)
    raise web.HTTPSeeOther("/settings?saved=app#apps")
