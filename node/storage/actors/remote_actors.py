"""Remote actors: the cached documents and keys of people and groups on other servers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from node.storage.pool import Conn

_COLUMNS = """id, uri, actor_type, username, host, display_name, summary_html, inbox,
    shared_inbox, followers_uri, url, key_id, public_key_pem, manually_approves, fetched_at,
    icon_url, image_url"""


@dataclass(frozen=True, slots=True)
class _ActorDocument:
    """What we keep of an actor's document, as stored and as written."""

    uri: str
    actor_type: str
    username: str
    host: str
    display_name: str
    summary_html: str
    inbox: str
    shared_inbox: str | None
    followers_uri: str | None
    url: str | None
    key_id: str | None
    public_key_pem: str | None
    manually_approves: bool


@dataclass(frozen=True, slots=True)
class RemoteActor(_ActorDocument):
    id: int
    fetched_at: datetime
    icon_url: str | None  # avatar, an http(s) URL on the actor's server (hot-linked)
    image_url: str | None  # header

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.host}"


@dataclass(frozen=True, slots=True)
class RemoteActorFields(_ActorDocument):
    raw: dict[str, Any]
    indexable: bool = False
    icon_url: str | None = None
    image_url: str | None = None


def _actor(row: asyncpg.Record) -> RemoteActor:
    return RemoteActor(**dict(row))


async def upsert_remote_actor(conn: Conn, fields: RemoteActorFields) -> RemoteActor:
    row = await conn.fetchrow(
        f"""INSERT INTO remote_actors (uri, actor_type, username, host, display_name,
                summary_html, inbox, shared_inbox, followers_uri, url, key_id, public_key_pem,
                manually_approves, raw, fetched_at, indexable, icon_url, image_url)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15,
                $16, $17)
            ON CONFLICT (uri) DO UPDATE SET actor_type = $2, username = $3, host = $4,
                display_name = $5, summary_html = $6, inbox = $7, shared_inbox = $8,
                followers_uri = $9, url = $10, key_id = $11, public_key_pem = $12,
                manually_approves = $13, raw = $14, fetched_at = now(), indexable = $15,
                icon_url = $16, image_url = $17
            RETURNING {_COLUMNS}""",
        fields.uri, fields.actor_type, fields.username, fields.host, fields.display_name,
        fields.summary_html, fields.inbox, fields.shared_inbox, fields.followers_uri,
        fields.url, fields.key_id, fields.public_key_pem, fields.manually_approves,
        orjson.dumps(fields.raw).decode(), fields.indexable, fields.icon_url, fields.image_url,
    )  # fmt: skip
    assert row is not None
    return _actor(row)


async def get_remote_actor_by_uri(conn: Conn, uri: str) -> RemoteActor | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM remote_actors WHERE uri = $1", uri)
    return _actor(row) if row else None


async def get_remote_actor(conn: Conn, actor_id: int) -> RemoteActor | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM remote_actors WHERE id = $1", actor_id)
    return _actor(row) if row else None


async def get_remote_actor_by_key_id(conn: Conn, key_id: str) -> RemoteActor | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM remote_actors WHERE key_id = $1 ORDER BY fetched_at DESC LIMIT 1",
        key_id,
    )
    return _actor(row) if row else None


async def get_remote_actor_by_handle(conn: Conn, username: str, host: str) -> RemoteActor | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM remote_actors WHERE lower(username) = lower($1) "
        "AND lower(host) = lower($2)",
        username, host,
    )  # fmt: skip
    return _actor(row) if row else None


async def delete_remote_actor(conn: Conn, uri: str) -> bool:
    """Remove an actor with their follows and content (cascades)."""
    result: str = await conn.execute("DELETE FROM remote_actors WHERE uri = $1", uri)
    return result != "DELETE 0"


async def recipients(conn: Conn, uris: list[str]) -> list[tuple[str, str, str | None]]:
    """(actor uri, inbox, shared inbox) of the known actors among `uris`, in their order."""
    rows = await conn.fetch(
        """SELECT r.uri, r.inbox, r.shared_inbox
           FROM unnest($1::text[]) WITH ORDINALITY AS u(uri, n)
           JOIN remote_actors r ON r.uri = u.uri ORDER BY u.n""",
        uris,
    )
    return [(row["uri"], row["inbox"], row["shared_inbox"]) for row in rows]


async def raw_flag(conn: Conn, actor_id: int, name: str) -> bool:
    """A boolean property of the actor document as fetched (e.g. a group's `membersOnly`)."""
    value: bool | None = await conn.fetchval(
        "SELECT (raw ->> $2)::boolean FROM remote_actors WHERE id = $1 "
        "AND jsonb_typeof(raw -> $2) = 'boolean'",
        actor_id, name,
    )  # fmt: skip
    return bool(value)


async def raw_link(conn: Conn, actor_id: int, name: str) -> str | None:
    """A string property of the actor document as fetched (e.g. a group's `featured`)."""
    value: str | None = await conn.fetchval(
        "SELECT raw ->> $2 FROM remote_actors WHERE id = $1 AND jsonb_typeof(raw -> $2) = 'string'",
        actor_id, name,
    )  # fmt: skip
    return value
