"""Encrypted cookie sessions: who is signed in."""

from __future__ import annotations

import hashlib

import aiohttp_session
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from node.domain.accounts import AccountId
from node.settings import Settings

COOKIE_NAME = "commonroom_session"
SESSION_DAYS = 30
_ACCOUNT = "account_id"


def session_storage(settings: Settings) -> EncryptedCookieStorage:
    # The storage wants 32 raw bytes (it base64-encodes them for Fernet): derive them from the
    # node's secret key, separated from other uses of that key by a label.
    fernet_key = hashlib.sha256(b"commonroom session\0" + settings.secret_key.encode()).digest()
    return EncryptedCookieStorage(
        fernet_key,
        cookie_name=COOKIE_NAME,
        max_age=SESSION_DAYS * 24 * 3600,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="Lax",
    )


async def signed_in_account_id(request: web.Request) -> AccountId | None:
    if COOKIE_NAME not in request.cookies:
        return None
    session = await aiohttp_session.get_session(request)
    value = session.get(_ACCOUNT)
    return AccountId(value) if isinstance(value, int) else None


async def sign_in(request: web.Request, account_id: AccountId) -> None:
    # A fresh session on sign-in, so a session fixed before sign-in is worthless after it.
    session = await aiohttp_session.new_session(request)
    session[_ACCOUNT] = int(account_id)


async def sign_out(request: web.Request) -> None:
    session = await aiohttp_session.get_session(request)
    session.invalidate()
