"""OAuth2 apps, codes and tokens (secrets only as SHA-256), and API idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from node.domain.oauth import AppId, Grant, OAuthApp, TokenId
from node.storage.pool import Conn

_APP = "id, client_id, name, website, redirect_uris, scopes, created_at"
_APP_OF = ", ".join(f"a.{c.strip()} AS app_{c.strip()}" for c in _APP.split(","))


@dataclass(frozen=True, slots=True)
class StoredCode:
    app_id: AppId
    account_id: int
    redirect_uri: str
    scopes: frozenset[str]
    code_challenge: str | None


def _app(row: asyncpg.Record, prefix: str = "") -> OAuthApp:
    return OAuthApp(
        id=AppId(row[f"{prefix}id"]),
        client_id=row[f"{prefix}client_id"],
        name=row[f"{prefix}name"],
        website=row[f"{prefix}website"],
        redirect_uris=tuple(row[f"{prefix}redirect_uris"]),
        scopes=frozenset(row[f"{prefix}scopes"]),
        created_at=row[f"{prefix}created_at"],
    )


async def insert_app(
    conn: Conn,
    *,
    client_id: str,
    client_secret_hash: bytes,
    name: str,
    website: str | None,
    redirect_uris: tuple[str, ...],
    scopes: frozenset[str],
) -> OAuthApp:
    row = await conn.fetchrow(
        f"""INSERT INTO oauth_apps (client_id, client_secret_hash, name, website, redirect_uris,
                scopes)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_APP}""",
        client_id, client_secret_hash, name, website, list(redirect_uris), sorted(scopes),
    )  # fmt: skip
    assert row is not None
    return _app(row)


async def get_app(conn: Conn, client_id: str) -> OAuthApp | None:
    row = await conn.fetchrow(f"SELECT {_APP} FROM oauth_apps WHERE client_id = $1", client_id)
    return _app(row) if row else None


async def get_app_with_secret(
    conn: Conn, client_id: str, client_secret_hash: bytes
) -> OAuthApp | None:
    row = await conn.fetchrow(
        f"SELECT {_APP} FROM oauth_apps WHERE client_id = $1 AND client_secret_hash = $2",
        client_id, client_secret_hash,
    )  # fmt: skip
    return _app(row) if row else None


async def insert_code(conn: Conn, code_hash: bytes, code: StoredCode, expires_at: datetime) -> None:
    await conn.execute(
        """INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes,
               code_challenge, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        code_hash, code.app_id, code.account_id, code.redirect_uri, sorted(code.scopes),
        code.code_challenge, expires_at,
    )  # fmt: skip


async def take_code(
    conn: Conn, code_hash: bytes, app_id: AppId, now: datetime
) -> StoredCode | None:
    """Consume a code of this app: it works once, and only before it expires."""
    row = await conn.fetchrow(
        """DELETE FROM oauth_codes WHERE code_hash = $1 AND app_id = $2 AND expires_at > $3
           RETURNING app_id, account_id, redirect_uri, scopes, code_challenge""",
        code_hash, app_id, now,
    )  # fmt: skip
    if row is None:
        return None
    return StoredCode(AppId(row["app_id"]), row["account_id"], row["redirect_uri"],
                      frozenset(row["scopes"]), row["code_challenge"])  # fmt: skip


async def delete_expired_codes(conn: Conn, now: datetime) -> int:
    result: str = await conn.execute("DELETE FROM oauth_codes WHERE expires_at <= $1", now)
    return int(result.split()[-1])


async def insert_token(
    conn: Conn,
    *,
    token_hash: bytes,
    refresh_hash: bytes | None,
    app_id: AppId,
    account_id: int | None,
    scopes: frozenset[str],
) -> datetime:
    """Store a token; returns its creation time (the token response's `created_at`)."""
    created: datetime = await conn.fetchval(
        """INSERT INTO oauth_tokens (token_hash, refresh_hash, app_id, account_id, scopes)
           VALUES ($1, $2, $3, $4, $5) RETURNING created_at""",
        token_hash, refresh_hash, app_id, account_id, sorted(scopes),
    )  # fmt: skip
    return created


async def grant_for_token(conn: Conn, token_hash: bytes) -> Grant | None:
    """The live (not revoked) grant of an access token."""
    row = await conn.fetchrow(
        f"""SELECT t.id, t.account_id, t.scopes, t.created_at, {_APP_OF}
            FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL""",
        token_hash,
    )
    return _grant(row) if row else None


def _grant(row: asyncpg.Record) -> Grant:
    return Grant(TokenId(row["id"]), _app(row, "app_"), row["account_id"],
                 frozenset(row["scopes"]), row["created_at"])  # fmt: skip


async def take_refresh(conn: Conn, refresh_hash: bytes, app_id: AppId) -> Grant | None:
    """Revoke the live token this refresh token belongs to and return what it granted."""
    row = await conn.fetchrow(
        """UPDATE oauth_tokens SET revoked_at = now(), refresh_hash = NULL
           WHERE refresh_hash = $1 AND app_id = $2 AND revoked_at IS NULL
           RETURNING id, account_id, scopes, created_at""",
        refresh_hash, app_id,
    )  # fmt: skip
    if row is None:
        return None
    app = await conn.fetchrow(f"SELECT {_APP} FROM oauth_apps WHERE id = $1", app_id)
    assert app is not None
    return Grant(TokenId(row["id"]), _app(app), row["account_id"], frozenset(row["scopes"]),
                 row["created_at"])  # fmt: skip


async def revoke(conn: Conn, secret_hash: bytes, app_id: AppId) -> bool:
    """Revoke the token of this app whose access or refresh token has this hash."""
    result: str = await conn.execute(
        """UPDATE oauth_tokens SET revoked_at = now(), refresh_hash = NULL
           WHERE (token_hash = $1 OR refresh_hash = $1) AND app_id = $2 AND revoked_at IS NULL""",
        secret_hash, app_id,
    )  # fmt: skip
    return result != "UPDATE 0"


async def grants_of_account(conn: Conn, account_id: int) -> list[Grant]:
    """The live tokens acting for a person, newest first (the settings page's apps)."""
    rows = await conn.fetch(
        f"""SELECT t.id, t.account_id, t.scopes, t.created_at, {_APP_OF}
            FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
            WHERE t.account_id = $1 AND t.revoked_at IS NULL
            ORDER BY t.created_at DESC, t.id DESC""",
        account_id,
    )
    return [_grant(row) for row in rows]


async def revoke_token_of_account(conn: Conn, token_id: TokenId, account_id: int) -> bool:
    """The person revokes one of their tokens (its refresh token goes with it)."""
    result: str = await conn.execute(
        """UPDATE oauth_tokens SET revoked_at = now(), refresh_hash = NULL
           WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL""",
        token_id, account_id,
    )  # fmt: skip
    return result != "UPDATE 0"


# -- Idempotency keys of POST /api/v1/statuses ------------------------------------------------


async def claim_idempotency_key(conn: Conn, account_id: int, key: str) -> bool:
    """Claim the key for a new post; False when a request within the last hour holds it."""
    claimed = await conn.fetchval(
        """INSERT INTO api_idempotency_keys (account_id, key) VALUES ($1, $2)
           ON CONFLICT (account_id, key) DO UPDATE SET post_id = NULL, created_at = now()
               WHERE api_idempotency_keys.created_at < now() - interval '1 hour'
           RETURNING true""",
        account_id, key,
    )  # fmt: skip
    return bool(claimed)


async def post_of_idempotency_key(conn: Conn, account_id: int, key: str) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT post_id FROM api_idempotency_keys WHERE account_id = $1 AND key = $2",
        account_id, key,
    )  # fmt: skip
    return value


async def settle_idempotency_key(
    conn: Conn, account_id: int, key: str, post_id: int | None
) -> None:
    """Record the post the key made, or (None) release the key after a failed attempt."""
    if post_id is None:
        await conn.execute(
            "DELETE FROM api_idempotency_keys WHERE account_id = $1 AND key = $2 "
            "AND post_id IS NULL",
            account_id, key,
        )  # fmt: skip
        return
    await conn.execute(
        "UPDATE api_idempotency_keys SET post_id = $3 WHERE account_id = $1 AND key = $2",
        account_id, key, post_id,
    )  # fmt: skip
