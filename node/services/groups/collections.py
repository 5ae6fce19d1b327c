"""A group's `outbox` and `featured` collections as Lemmy serves a community's (interop brief
§3.2, §6.1), and the backfill from a group's outbox when one of our people joins it elsewhere.

The outbox lists the group's latest public threads, each as the group's `Announce` of the
thread's `Create{Page}`; `featured` lists its pinned threads as `Page`s. Both are inline
`orderedItems`, not pages: Lemmy reads them only that way. Ids are stable, derived from the
post (`{group}/announces/{post id}`), so a refetch shows the same activities; like Lemmy's own
outbox (`ApubCommunityOutbox`), the `Create` is minted on the group's server, also for threads
written elsewhere. A members-only group shows counts only, to everyone (its threads are for
its members, and a member's server receives them through the group's Announces anyway).
"""

from __future__ import annotations

import logging
from typing import Any

from federation.http import Fetched
from federation.parse import parse_collection_activities
from federation.parse_types import Activity
from federation.render import render_announce, render_collection, render_create
from federation.render_docs import ActivityDoc
from federation.vocab import PUBLIC, host_of
from node.domain.accounts import Account, AccountId
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_signer
from node.services.posts.as2 import load_extras, post_to_ap, remote_post_to_ap
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor
from node.storage.groups import groups as group_store
from node.storage.groups import threads as thread_store
from node.storage.pool import Conn
from node.storage.posts import posts as post_store
from node.storage.posts.posts import Post

log = logging.getLogger(__name__)

OUTBOX_SIZE = 20  # Lemmy's community outbox holds the latest 20 posts
BACKFILL_LIMIT = 20


async def group_collection(
    ctx: NodeContext, conn: Conn, group: Account, kind: str
) -> dict[str, Any]:
    """The `outbox` or `featured` collection of a group here."""
    pinned = kind == "featured"
    members_only = await group_store.is_members_only(conn, group.id)
    total = await thread_store.count_threads(
        conn, group.id, public_only=not members_only, pinned_only=pinned
    )
    ids = [] if members_only else await thread_store.public_thread_ids(
        conn, group.id, OUTBOX_SIZE, pinned_only=pinned)  # fmt: skip
    items = []
    for post_id in ids:
        post = await post_store.get_post(conn, post_id)
        page = await _thread_to_ap(ctx, conn, post) if post else None
        if post is not None and page is not None:
            items.append(page if pinned else _announced(ctx, group, post, page))
    base = ctx.urls.featured(group.username) if pinned else ctx.urls.outbox(group.username)
    return render_collection(base, total, items=items)


async def _thread_to_ap(ctx: NodeContext, conn: Conn, post: Post) -> dict[str, Any] | None:
    extras = await load_extras(conn, post, ctx.urls)
    if post.author_account is not None:
        author = await account_store.get_account(conn, AccountId(post.author_account))
        return post_to_ap(ctx.urls, author.username, post, extras) if author else None
    actor = await actor_store.get_remote_actor(conn, post.author_remote or 0)
    if actor is None:
        return None
    return remote_post_to_ap(ctx.urls, actor.uri, actor.followers_uri, post, extras)


def _announced(
    ctx: NodeContext, group: Account, post: Post, page: dict[str, Any]
) -> dict[str, Any]:
    """The group's Announce of the thread's Create, with ids that do not change."""
    me = ctx.urls.actor(group.username)
    announce_id = f"{me}/announces/{post.id}"
    create = render_create(
        ActivityDoc(id=f"{announce_id}/create", actor=page["attributedTo"],
                    to=tuple(page["to"]), cc=tuple(page["cc"]), audience=me,
                    published=post.published_at),
        page,
    )  # fmt: skip
    meta = ActivityDoc(id=announce_id, actor=me, to=(PUBLIC,),
                       cc=(ctx.urls.followers(group.username),), audience=me)  # fmt: skip
    return render_announce(meta, create)


async def outbox_threads(
    ctx: NodeContext, group: RemoteActor
) -> list[tuple[dict[str, Any], Activity]]:
    """Threads a group elsewhere had before we joined: up to BACKFILL_LIMIT of the
    `Announce{Create}`s in its outbox (fetched signed by our instance actor), oldest first, each
    as it was served and as parsed. An outbox that cannot be fetched or read gives none."""
    async with ctx.db.connection() as conn:
        outbox = await actor_store.raw_link(conn, group.id, "outbox")
    if outbox is None or host_of(outbox) != host_of(group.uri) or ctx.urls.is_local(outbox):
        return []
    got = await ctx.http.fetch_json(outbox, signer=await instance_signer(ctx))
    if not isinstance(got, Fetched) or host_of(got.url) != host_of(group.uri):
        log.info("backfill of %s: outbox not fetched (%s)", group.uri, type(got).__name__)
        return []
    announces = [
        (raw, item) for raw, item in parse_collection_activities(got.document, BACKFILL_LIMIT)
        if item.type == "Announce" and item.actor == group.uri
        and isinstance(item.object, Activity) and item.object.type == "Create"
    ]  # fmt: skip
    log.info("backfill of %s: %d threads from its outbox", group.uri, len(announces))
    return list(reversed(announces))
