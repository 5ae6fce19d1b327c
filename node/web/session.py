"""Encrypted cookie sessions: who is signed in.

The cookie holds a random session id (and the CSRF token); the account is found only through
the live `web_sessions` row of that id (node.services.accounts.sessions). Ending the row, by
signing out, from the settings page or by a password change, makes a copied cookie worthless.
"""

from __future__ import annotations

import hashlib

import aiohttp_session
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from node import keys
from node.domain.accounts import Account, AccountId
from node.domain.sessions import SESSION_LIFETIME
from node.services.accounts import sessions
from node.settings import Settings

COOKIE_NAME = "commonroom_session"
_SESSION_ID = "sid"


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    # The storage wants 32 raw bytes (it base64-encodes them for Fernet): derive them from the
    # node's secret key, separated from other uses of that key by a label.
    fernet_key = hashlib.sha256(b"commonroom session\0" + settings.secret_key.encode()).digest()
    return EncryptedCookieStorage(
        fernet_key,
        cookie_name=COOKIE_NAME,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        secure=settings.secure_cookies,
        httponly=True,
        samesite="Lax",
    )


async def current_session_id(request: web.Request) -> str | None:
    """The session id this browser's cookie carries, if any (not yet checked against a row)."""
    if COOKIE_NAME not in request.cookies:
        return None
    session = await aiohttp_session.get_session(request)
    value = session.get(_SESSION_ID)
    return value if isinstance(value, str) else None


async def signed_in_account(request: web.Request) -> Account | None:
    session_id = await current_session_id(request)
    if session_id is None:
        return None
    return await sessions.session_account(request.app[keys.DATABASE], session_id)


async def sign_in(request: web.Request, account_id: AccountId) -> None:
    # A fresh session on sign-in, so a session fixed before sign-in is worthless after it.
    previous = await current_session_id(request)
    db = request.app[keys.DATABASE]
    if previous is not None:
        await sessions.end_session(db, previous)
    session_id = await sessions.start_session(
        db, account_id, request.headers.get("User-Agent"), request.remote
    )
    session = await aiohttp_session.new_session(request)
    session[_SESSION_ID] = session_id


async def sign_out(request: web.Request) -> None:
    session_id = await current_session_id(request)
    if session_id is not None:
        await sessions.end_session(request.app[keys.DATABASE], session_id)
    session = await aiohttp_session.get_session(request)
    session.invalidate()
