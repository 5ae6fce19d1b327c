"""Remote actors: fetch (signed, as the instance actor), cache, refresh, resolve keys."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from federation.http import Fetched, Unavailable
from federation.inbox import ActorKey
from federation.parse import parse_actor
from federation.parse_types import Actor, ParseError
from federation.vocab import host_of
from federation.webfinger import ResolveFailed, parse_handle, resolve_handle
from node.domain.errors import NotFound, ValidationFailed
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_signer
from node.storage.actors import remote_actors as store
from node.storage.actors.remote_actors import RemoteActor, RemoteActorFields

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(days=1)
# Avatar and header URLs are hot-linked into our pages and API answers; a longer one is dropped.
MAX_IMAGE_URL = 2048


class ActorUnavailable(Exception):
    """The actor could not be fetched for now (its server is down, slow); try again later."""


class ActorRefused(ActorUnavailable):
    """The actor cannot be had at all: no such actor (404, 410), a URL we will not fetch, or a
    document that is not its actor. Trying again would give the same answer."""


async def get_actor(ctx: NodeContext, uri: str, *, refresh: bool = False) -> RemoteActor:
    """The cached actor, fetched when unknown, stale, or when `refresh` (key rotation)."""
    async with ctx.db.connection() as conn:
        cached = await store.get_remote_actor_by_uri(conn, uri)
    fresh = cached and datetime.now(UTC) - cached.fetched_at < STALE_AFTER
    if cached is not None and fresh and not refresh:
        return cached
    try:
        return await fetch_actor(ctx, uri)
    except ActorUnavailable:
        if cached is not None and not refresh:
            return cached  # a stale copy beats none while the origin is down
        raise


async def fetch_actor(ctx: NodeContext, uri: str) -> RemoteActor:
    if ctx.urls.is_local(uri):
        raise ActorRefused(f"{uri} is one of ours, not a remote actor")
    got = await ctx.http.fetch_json(uri, signer=await instance_signer(ctx))
    if isinstance(got, Unavailable):
        raise ActorUnavailable(f"fetching {uri}: {got.reason}")
    if not isinstance(got, Fetched):
        raise ActorRefused(f"fetching {uri}: {type(got).__name__} {getattr(got, 'reason', '')}")
    actor = parse_actor(got.document)
    if isinstance(actor, ParseError):
        raise ActorRefused(f"{uri}: {actor.reason}")
    # Origin check: the document must be the one we asked for, served by its own host.
    if actor.id != uri or host_of(actor.id) != host_of(got.url):
        raise ActorRefused(f"{uri}: document id {actor.id} does not match where it came from")
    async with ctx.db.transaction() as conn:
        return await store.upsert_remote_actor(conn, _fields(actor, got.document))


def _fields(actor: Actor, raw: dict[str, object]) -> RemoteActorFields:
    key = next((k for k in actor.public_keys if k.owner == actor.id), None)
    return RemoteActorFields(
        uri=actor.id,
        actor_type=actor.type,
        username=actor.preferred_username,
        host=host_of(actor.id),
        display_name=actor.name or "",
        summary_html=actor.summary,
        inbox=actor.inbox,
        shared_inbox=actor.shared_inbox,
        followers_uri=actor.followers,
        url=actor.url,
        key_id=key.id if key else None,
        public_key_pem=key.pem if key else None,
        manually_approves=actor.manually_approves_followers,
        raw=dict(raw),
        indexable=actor.indexable,
        icon_url=_image_url(actor.icon_url),
        image_url=_image_url(actor.image_url),
    )


def _image_url(url: str | None) -> str | None:
    """An http(s) URL fit to embed in a page (never javascript: or data:), or None."""
    # federation.parse already keeps only http(s) URLs; checked again because these reach <img>.
    if url and len(url) <= MAX_IMAGE_URL and url.lower().startswith(("https://", "http://")):
        return url
    return None


async def resolve_key(ctx: NodeContext, key_id: str, refresh: bool) -> ActorKey | None:
    """The key for an inbound signature; `refresh` refetches the owner once (key rotation)."""
    actor_uri = key_id.split("#")[0]
    if not refresh:
        async with ctx.db.connection() as conn:
            cached = await store.get_remote_actor_by_key_id(conn, key_id)
        if cached is not None and cached.public_key_pem:
            return ActorKey(key_id, cached.uri, cached.public_key_pem)
    try:
        actor = await get_actor(ctx, actor_uri, refresh=refresh)
    except ActorUnavailable as error:
        log.info("cannot resolve key %s: %s", key_id, error)
        return None
    if actor.key_id != key_id or not actor.public_key_pem:
        return None
    return ActorKey(key_id, actor.uri, actor.public_key_pem)


async def is_known_actor(ctx: NodeContext, uri: str) -> bool:
    async with ctx.db.connection() as conn:
        return await store.get_remote_actor_by_uri(conn, uri) is not None


async def find_actor(ctx: NodeContext, query: str) -> RemoteActor:
    """Resolve `@name@host` (WebFinger) or an actor URL to a cached remote actor."""
    query = query.strip()
    if query.startswith(("https://", "http://")):
        uri = query
    else:
        handle = parse_handle(query)
        if handle is None:
            raise ValidationFailed("handle", f"{query!r} is not @name@host or a profile URL")
        async with ctx.db.connection() as conn:
            cached = await store.get_remote_actor_by_handle(conn, handle.username, handle.host)
        if cached is not None:
            return cached
        found = await resolve_handle(ctx.http, handle, "http" if ctx.loopback else "https")
        if isinstance(found, ResolveFailed):
            raise NotFound(f"could not find {query}: {found.reason}")
        uri = found
    try:
        return await get_actor(ctx, uri)
    except ActorUnavailable as error:
        raise NotFound(str(error)) from None


async def cached_actor(ctx: NodeContext, actor_id: int) -> RemoteActor | None:
    """A remote actor already known here, by our row id (never fetches)."""
    async with ctx.db.connection() as conn:
        return await store.get_remote_actor(conn, actor_id)


async def cached_actor_by_uri(ctx: NodeContext, uri: str) -> RemoteActor | None:
    async with ctx.db.connection() as conn:
        return await store.get_remote_actor_by_uri(conn, uri)


async def cached_actor_by_handle(ctx: NodeContext, username: str, host: str) -> RemoteActor | None:
    async with ctx.db.connection() as conn:
        return await store.get_remote_actor_by_handle(conn, username, host)
