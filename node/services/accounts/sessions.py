"""Signed-in browsers: start, resolve, list and end web sessions.

The session cookie carries a random id (`new_secret`); the row keyed by its hash is what makes
the cookie worth anything, so ending a session here signs that browser out at its next
request, wherever the cookie was copied to. Password changes and resets end sessions too
(`accounts.change_password`, `accounts.set_password_with_token`); moderation ends them all
with `end_all_sessions` when it suspends an account.
"""

from __future__ import annotations

from datetime import UTC, datetime

from node.domain.accounts import Account, AccountId
from node.domain.secrets import new_secret, secret_hash
from node.domain.sessions import (
    LAST_SEEN_EVERY,
    MAX_CLIENT_ADDR,
    SESSION_LIFETIME,
    WebSession,
    WebSessionId,
    clean_user_agent,
)
from node.storage.accounts import accounts as account_store
from node.storage.accounts import web_sessions as store
from node.storage.pool import Database

_MAX_ID = 200  # a cookie value longer than any id we issue is nothing to look up


async def start_session(
    db: Database, account_id: AccountId, user_agent: str | None, client_addr: str | None
) -> str:
    """A new session for a browser that just signed in; returns the id for its cookie."""
    session_id = new_secret()
    async with db.transaction() as conn:
        await store.insert_session(
            conn, secret_hash(session_id), account_id, clean_user_agent(user_agent),
            (client_addr or "")[:MAX_CLIENT_ADDR],
        )  # fmt: skip
    return session_id


async def session_account(db: Database, session_id: str) -> Account | None:
    """The account a live session is for (None once it was ended or has expired)."""
    if not session_id or len(session_id) > _MAX_ID:
        return None
    now = datetime.now(UTC)
    async with db.connection() as conn:
        found = await store.live_session(conn, secret_hash(session_id), now - SESSION_LIFETIME)
        if found is None:
            return None
        if now - found.last_seen_at >= LAST_SEEN_EVERY:
            await store.touch(conn, found.id, now)
        return await account_store.get_account(conn, AccountId(found.account_id))


async def list_sessions(db: Database, account: Account, current_id: str | None) -> list[WebSession]:
    """The account's live sessions, most recently used first; `current` marks this one."""
    since = datetime.now(UTC) - SESSION_LIFETIME
    current_hash = secret_hash(current_id) if current_id else None
    async with db.connection() as conn:
        return await store.sessions_of(conn, account.id, since, current_hash)


async def end_session(db: Database, session_id: str) -> None:
    """Signing out: this browser's session."""
    if session_id and len(session_id) <= _MAX_ID:
        async with db.transaction() as conn:
            await store.delete_by_hash(conn, secret_hash(session_id))


async def end_session_of(db: Database, account: Account, session: WebSessionId) -> bool:
    """End one of the account's sessions, chosen on the settings page."""
    async with db.transaction() as conn:
        return await store.delete_session(conn, account.id, session)


async def end_other_sessions(db: Database, account: Account, current_id: str | None) -> int:
    """Sign out everywhere else: every session of the account but this one."""
    keep = secret_hash(current_id) if current_id else None
    async with db.transaction() as conn:
        return await store.delete_sessions_of(conn, account.id, keep)


async def end_all_sessions(db: Database, account_id: AccountId) -> int:
    """Sign the account out of every browser (moderation calls this when it suspends one)."""
    async with db.transaction() as conn:
        return await store.delete_sessions_of(conn, account_id)
