"""What servers may read about us: actor documents, WebFinger, NodeInfo, collections, posts."""

from __future__ import annotations

from typing import Any

from federation.nodeinfo import NodeInfoVersion, render_nodeinfo, render_nodeinfo_links
from federation.render import render_collection, render_collection_page
from federation.webfinger import parse_handle, render_jrd, render_server_jrd
from node import __version__
from node.domain.errors import NotFound
from node.domain.policies import ViewerFacts, may_see
from node.services.groups import collections as group_collections
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_keys
from node.services.posts.as2 import load_extras, post_to_ap
from node.services.profiles.as2 import account_to_ap, instance_actor_to_ap
from node.storage.accounts import accounts as account_store
from node.storage.accounts import profiles as profile_store
from node.storage.actors import remote_actors as remote_store
from node.storage.groups import groups as group_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts import visibility_facts
from node.storage.social import follows as follow_store

PAGE_SIZE = 20


async def actor_document(ctx: NodeContext, username: str) -> dict[str, Any]:
    async with ctx.db.connection() as conn:
        account = await account_store.get_active_account_by_username(conn, username)
        profile = await profile_store.get_profile(conn, account.id) if account else None
        members_only = bool(account and await group_store.is_members_only(conn, account.id))
    if account is None or profile is None:
        raise NotFound(f"no account @{username}")
    return account_to_ap(ctx.urls, account, profile, members_only=members_only)


async def instance_actor_document(ctx: NodeContext) -> dict[str, Any]:
    keys = await instance_keys(ctx)
    return instance_actor_to_ap(ctx.urls, keys.public_key_pem)


async def webfinger(ctx: NodeContext, resource: str) -> dict[str, Any]:
    """Answer `acct:user@host`, `user@host`, our actor or profile URLs, or the server itself."""
    resource = resource.strip()
    if resource.rstrip("/") == ctx.urls.base or resource in {
        f"acct:{ctx.urls.host}@{ctx.urls.host}",
        ctx.urls.instance_actor,
    }:
        return render_server_jrd(ctx.urls.base, ctx.urls.instance_actor)
    username = ctx.urls.username_of_actor(resource)
    if username is None and resource.startswith(ctx.urls.base + "/@"):
        username = resource[len(ctx.urls.base) + 2 :]
    if username is None:
        handle = parse_handle(resource)
        if handle is None or handle.host.lower() != ctx.urls.host.lower():
            raise NotFound("not a resource of this server")
        username = handle.username
    async with ctx.db.connection() as conn:
        account = await account_store.get_active_account_by_username(conn, username)
    if account is None:
        raise NotFound("no such account")
    name = account.username
    return render_jrd(
        f"acct:{name}@{ctx.urls.host}", ctx.urls.actor(name), ctx.urls.profile(name),
        actor_type="Person", subscribe_template=_subscribe_template(ctx),
    )  # fmt: skip


def _subscribe_template(ctx: NodeContext) -> str:
    return f"{ctx.urls.base}/authorize_interaction?uri={{uri}}"


def nodeinfo_links(ctx: NodeContext) -> dict[str, Any]:
    return render_nodeinfo_links(ctx.urls.base, instance_actor_url=ctx.urls.instance_actor)


async def nodeinfo(ctx: NodeContext, version: NodeInfoVersion) -> dict[str, Any]:
    async with ctx.db.connection() as conn:
        users = await account_store.count_accounts(conn)
    # Post and activity counts are omitted, not faked (FEP-0151): a school may prefer that.
    return render_nodeinfo(
        version, software_version=__version__, open_registrations=False,
        users_total=users, active_month=None, active_halfyear=None, local_posts=None,
        node_name=ctx.urls.host, node_description="A Commonroom node for educators",
    )  # fmt: skip


async def collection(
    ctx: NodeContext, username: str, kind: str, page: int | None
) -> dict[str, Any]:
    """followers, following, outbox or featured of a local account, paged like Mastodon."""
    async with ctx.db.connection() as conn:
        account = await account_store.get_active_account_by_username(conn, username)
        if account is None:
            raise NotFound(f"no account @{username}")
        name = account.username
        base = f"{ctx.urls.actor(name)}/{'collections/featured' if kind == 'featured' else kind}"
        if kind == "moderators":
            if not account.is_group:
                raise NotFound("only groups have moderators")
            mods = await group_store.moderators(conn, account.id)
            # FEP-1b12: the moderators collection, owners first (Lemmy's first is the creator).
            return render_collection(base, len(mods), items=[ctx.urls.actor(u) for u, _ in mods])
        if account.is_group and kind in ("outbox", "featured"):
            return await group_collections.group_collection(ctx, conn, account, kind)
        total, items = await _items(ctx, conn, account.id, name, kind, page)
        if account.is_group and kind in ("followers", "following"):
            items = []  # a group's members are not published, only their number (as Lemmy)
    if page is None:
        first = f"{base}?page=1" if kind != "featured" else None
        return render_collection(base, total, first=first, items=items if first is None else None)
    next_page = f"{base}?page={page + 1}" if len(items) == PAGE_SIZE else None
    return render_collection_page(
        f"{base}?page={page}", base, items, next_page=next_page, total_items=total
    )


async def _items(
    ctx: NodeContext, conn: Conn, account_id: int, name: str, kind: str, page: int | None
) -> tuple[int, list[Any]]:
    offset = ((page or 1) - 1) * PAGE_SIZE
    if kind == "featured":
        pinned = await post_store.pinned_posts(conn, account_id)
        return len(pinned), [post_to_ap(ctx.urls, name, p) for p in pinned]
    if kind == "outbox":
        total = await post_store.count_public_posts(conn, account_id)
        if page is None:
            return total, []
        posts = await post_store.posts_by_account(conn, account_id, PAGE_SIZE, None, offset)
        return total, [post_to_ap(ctx.urls, name, p) for p in posts]
    lister = (
        follow_store.list_followers_uris
        if kind == "followers"
        else follow_store.list_following_uris
    )
    total, uris = await lister(conn, account_id, PAGE_SIZE if page else 0, offset)
    local = [ctx.urls.actor(u[6:]) if u.startswith("local:") else u for u in uris]
    return total, local


async def post_document(
    ctx: NodeContext, username: str, post_id: int, signer: str | None = None
) -> dict[str, Any]:
    """A post's AS2 for a fetch: an unsigned fetch sees what an anonymous visitor may see; a
    signed one (`signer` = the verified key owner) what that remote actor may see."""
    async with ctx.db.connection() as conn:
        post = await post_store.get_post(conn, post_id)
        account = await account_store.get_active_account_by_username(conn, username)
        if post is None or account is None or post.author_account != account.id:
            raise NotFound("no such post")
        remote = await remote_store.get_remote_actor_by_uri(conn, signer) if signer else None
        viewer = (
            await visibility_facts.viewer_facts(conn, post, remote_id=remote.id)
            if remote is not None
            else ViewerFacts()
        )
        facts = visibility_facts.post_facts(post)
        if not may_see(facts, viewer):
            raise NotFound("no such post")
        extras = await load_extras(conn, post, ctx.urls)
    return post_to_ap(ctx.urls, account.username, post, extras)
