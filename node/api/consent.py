"""`/oauth/authorize`: the page where a signed-in person lets an app act for them.

A web page behind the web edge's sign-in, with its own CSRF token in the session (this edge
does not import the web edge's). The code goes back to the app's redirect URI, or for
`urn:ietf:wg:oauth:2.0:oob` is shown on a page for the person to copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDict

from node import keys
from node.domain.accounts import Account
from node.domain.inputs import clean_pairs
from node.domain.oauth import OOB, OAuthError
from node.routing import csrf_exempt, session_token, session_token_matches
from node.services.accounts import oauth
from node.services.accounts.oauth import AuthorizationRequest

routes = web.RouteTableDef()

FIELD = "consent_token"
_SESSION_KEY = "oauth_consent"
_FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
           "code_challenge_method")  # fmt: skip
# What each scope lets an app do, in the words the consent page uses.
_SCOPE_WORDS = {
    "read": "read everything your account can see",
    "write": "post, edit and delete for you, and change your profile",
    "follow": "follow, unfollow, block and mute for you",
    "push": "receive notifications for you",
    "profile": "see your name and profile",
}
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",  # a consent button must never be clickable through a frame
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@routes.get("/oauth/authorize", name="oauth_authorize")
@routes.get("/oauth/authorize/")  # toot's browser login asks here
async def authorize_page(request: web.Request) -> web.StreamResponse:
    account = _signed_in(request)
    asked = await _checked(request, request.query)
    context = {"asked": asked, "account": account, "fields": _hidden_fields(asked),
               "scopes": _describe(asked.scopes), "field": FIELD,
               "token": await session_token(request, _SESSION_KEY)}  # fmt: skip
    return _page(request, "oauth_authorize.html", context)


@routes.post("/oauth/authorize")
@csrf_exempt  # checked below against this page's own token
async def authorize(request: web.Request) -> web.StreamResponse:
    account = _signed_in(request)
    form = MultiDict(clean_pairs((await request.post()).items()))
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not await session_token_matches(request, _SESSION_KEY, sent):
        raise web.HTTPForbidden(text="This form has expired. Go back, reload the page and retry.")
    asked = await _checked(request, form)
    if form.get("decision") != "approve":
        if asked.redirect_uri == OOB:
            return _page(request, "oauth_code.html", {"asked": asked, "code": None})
        return _redirect(_with_query(asked.redirect_uri, error="access_denied", state=asked.state))
    code = await oauth.issue_code(request.app[keys.DATABASE], account, asked)
    if asked.redirect_uri == OOB:
        return _page(request, "oauth_code.html", {"asked": asked, "code": code})
    return _redirect(_with_query(asked.redirect_uri, code=code, state=asked.state))


def _signed_in(request: web.Request) -> Account:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    if account is None:
        raise web.HTTPSeeOther("/sign-in?" + urlencode({"next": request.path_qs}))
    return account


async def _checked(request: web.Request, source: Mapping[str, object]) -> AuthorizationRequest:
    """The app's request, checked; a bad one gets an error page, never a redirect to a URI
    that was not verified."""
    values = {name: _text(source.get(name)) for name in _FIELDS}
    try:
        return await oauth.authorization_request(
            request.app[keys.DATABASE], client_id=values["client_id"] or "",
            redirect_uri=values["redirect_uri"], response_type=values["response_type"],
            scope=values["scope"], state=values["state"],
            code_challenge=values["code_challenge"],
            code_challenge_method=values["code_challenge_method"],
        )  # fmt: skip
    except OAuthError as error:
        detail = f"This app's request cannot be used: {error.description}"
        raise web.HTTPBadRequest(text=detail) from None


def _text(value: object) -> str | None:
    return value[:2000] if isinstance(value, str) else None


def _hidden_fields(asked: AuthorizationRequest) -> dict[str, str]:
    fields = {
        "client_id": asked.app.client_id,
        "redirect_uri": asked.redirect_uri,
        "response_type": "code",
        "scope": " ".join(sorted(asked.scopes)),
        "state": asked.state,
    }
    if asked.code_challenge:
        fields |= {"code_challenge": asked.code_challenge, "code_challenge_method": "S256"}
    return fields


def _describe(scopes: frozenset[str]) -> list[str]:
    described = []
    for scope in sorted(scopes, key=lambda s: (":" in s, s)):
        if scope in _SCOPE_WORDS:
            described.append(_SCOPE_WORDS[scope])
        else:
            action, _, what = scope.rpartition(":")
            verb = "read" if action.endswith("read") else "change"
            described.append(f"{verb} your {what.replace('_', ' ')}")
    return described


def _redirect(location: str) -> web.Response:
    """A 302 with the URI exactly as registered: aiohttp's HTTPFound would lower-case a custom
    scheme such as `com.tapbots.Ivory.10217:` (the URI was checked for control characters)."""
    return web.Response(status=302, headers={"Location": location, **_PAGE_HEADERS})


def _with_query(uri: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def _page(request: web.Request, template: str, context: dict[str, object]) -> web.Response:
    page = {"public_host": request.app[keys.SETTINGS].public_host, **context}
    response = aiohttp_jinja2.render_template(template, request, page)
    response.headers.update(_PAGE_HEADERS)
    return response
