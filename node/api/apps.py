"""OAuth2 for clients: register an app, exchange grants for tokens, revoke, and the metadata
(RFC 8414) newer clients read first. The consent page is node.api.consent."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import unprocessable
from node.api.params import Params
from node.domain.oauth import (
    GRANT_TYPES,
    GRANULAR,
    TOP_LEVEL,
    OAuthApp,
    OAuthError,
    invalid_client,
    scope_text,
)
from node.services.accounts import oauth
from node.services.accounts.oauth import TokenRequest

routes = web.RouteTableDef()


def app_to_api(app: OAuthApp) -> dict[str, Any]:
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": sorted(app.scopes, key=lambda s: (":" in s, s)),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        # No Web Push here (docs/api.md); an empty key tells clients not to subscribe.
        "vapid_key": "",
    }


@routes.post("/api/v1/apps")
async def create_app(request: web.Request) -> web.Response:
    params = await Params.read(request)
    uris: str | list[str] | None = params.text("redirect_uris")
    if params.present("redirect_uris") and len(params.texts("redirect_uris")) > 1:
        uris = params.texts("redirect_uris")
    try:
        registered = await oauth.register_app(
            request.app[keys.DATABASE], params.text("client_name", 1000), uris,
            params.text("scopes", 2000), params.text("website", 3000),
        )  # fmt: skip
    except OAuthError as error:
        raise unprocessable(f"Validation failed: {error.description}") from None
    body = app_to_api(registered.app) | {
        "client_id": registered.app.client_id,
        "client_secret": registered.client_secret,
        "client_secret_expires_at": 0,
    }
    return responses.json(body)


@routes.get("/api/v1/apps/verify_credentials")
async def verify_app(request: web.Request) -> web.Response:
    return responses.json(app_to_api(auth.app(request).app))


def _client_credentials(request: web.Request, params: Params) -> tuple[str, str]:
    """client_secret_basic (RFC 6749 §2.3.1) or client_secret_post."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise invalid_client() from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise invalid_client()
        return unquote(client_id), unquote(secret)
    return params.text("client_id", 2000) or "", params.text("client_secret", 2000) or ""


@routes.post("/oauth/token")
async def token(request: web.Request) -> web.Response:
    params = await Params.read(request)
    client_id, client_secret = _client_credentials(request, params)
    grant = await oauth.issue_token(
        request.app[keys.DATABASE],
        TokenRequest(
            grant_type=params.text("grant_type", 100) or "", client_id=client_id,
            client_secret=client_secret, scope=params.text("scope", 2000),
            code=params.text("code", 2000) or "",
            redirect_uri=params.text("redirect_uri", 2000) or "",
            code_verifier=params.text("code_verifier", 200) or "",
            username=params.text("username", 400) or "",
            password=params.text("password", 2000) or "",
            refresh_token=params.text("refresh_token", 2000) or "",
        ),
        request.remote or "unknown",
    )  # fmt: skip
    body: dict[str, Any] = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "scope": scope_text(grant.scopes),
        "created_at": int(grant.created_at.timestamp()),
    }
    if grant.refresh_token is not None:
        body["refresh_token"] = grant.refresh_token
    return responses.json(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@routes.post("/oauth/revoke")
async def revoke(request: web.Request) -> web.Response:
    params = await Params.read(request)
    client_id, client_secret = _client_credentials(request, params)
    await oauth.revoke(
        request.app[keys.DATABASE], client_id, client_secret, params.text("token", 2000) or ""
    )
    return responses.json({})


@routes.get("/.well-known/oauth-authorization-server")
async def metadata(request: web.Request) -> web.Response:
    base = request.app[keys.SETTINGS].public_url
    return responses.json({
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(TOP_LEVEL) + sorted(GRANULAR),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic", "client_secret_post", "none",
        ],
    })  # fmt: skip


@routes.get("/oauth/userinfo")
async def userinfo(request: web.Request) -> web.Response:
    """OpenID Connect's userinfo (Mastodon 4.4), for clients that ask who signed in."""
    account = auth.user(request, "profile", "read:accounts")
    urls = request.app[keys.NODE].urls
    return responses.json({
        "iss": f"{urls.base}/",
        "sub": urls.actor(account.username),
        "name": account.shown_name,
        "preferred_username": account.username,
        "profile": urls.profile(account.username),
    })  # fmt: skip
