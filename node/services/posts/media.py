"""Images people upload and attach to posts, and the attachments remote posts carry.

Uploads are cleaned by node.infra.imaging (re-encoded from pixels, no metadata survives) in a
thread, so the event loop keeps serving.
Remote attachments are recorded by URL with their declared metadata; nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from federation.parse_types import Attachment
from node.domain.accounts import Account
from node.domain.errors import ConfigurationMissing, NotFound, ValidationFailed
from node.domain.media import (
    CONTENT_TYPES,
    EXTENSIONS,
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    MAX_REMOTE_URL,
    Media,
    check_attachment_count,
    clean_description,
    content_type_of_key,
    is_valid_key,
    kind_of,
    plausible_blurhash,
    plausible_side,
)
from node.infra.imaging import process_image
from node.infra.media_store import MediaStore
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn
from node.storage.posts import media as store
from node.storage.posts.media import NewLocalMedia, NewRemoteMedia

log = logging.getLogger(__name__)

ORPHAN_AGE = timedelta(days=1)
_ORPHAN_BATCH = 100


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A stored file; `public`: anyone may cache it (a profile or group picture, or attached to
    a public or unlisted post), else it belongs to a post with a narrower audience or none."""

    data: bytes
    content_type: str
    public: bool


# -- From a local person --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    """An image as sent with a post, and its alt text."""

    data: bytes
    description: str = ""


async def upload_media(
    ctx: NodeContext, account: Account, data: bytes, *, description: str = ""
) -> Media:
    """Check, clean and store an image; it stays unattached until a post takes it (the client
    API's two-step upload; an upload no post takes is swept after ORPHAN_AGE)."""
    [new] = await store_files(ctx, account, [Upload(data, description)])
    try:
        async with ctx.db.transaction() as conn:
            return await store.insert_local_media(conn, new)
    except BaseException:
        await discard_files(ctx, [new])  # no row points at these files
        raise


async def store_files(
    ctx: NodeContext, account: Account, uploads: Sequence[Upload]
) -> list[NewLocalMedia]:
    """Check and clean each image and write its files; the rows are the caller's to insert
    (in the transaction of the post that holds them), or `discard_files` when that fails."""
    if not uploads:
        return []
    files = _media_store(ctx)
    stored: list[NewLocalMedia] = []
    try:
        for upload in uploads:
            text = clean_description(upload.description)
            image = await asyncio.to_thread(process_image, upload.data)
            token = secrets.token_urlsafe(24)  # 192 random bits: the file's URL is its only guard
            new = NewLocalMedia(
                account_id=account.id, content_type=CONTENT_TYPES[image.kind],
                file_key=f"{token}.{EXTENSIONS[image.kind]}",
                thumbnail_key=f"{token}-small.{EXTENSIONS[image.thumbnail_type]}",
                width=image.width, height=image.height, blurhash=image.blurhash,
                description=text, size=len(image.data),
            )  # fmt: skip
            stored.append(new)
            await files.put(new.file_key, image.data, new.content_type)
            await files.put(new.thumbnail_key, image.thumbnail, CONTENT_TYPES[image.thumbnail_type])
    except BaseException:
        await discard_files(ctx, stored)
        raise
    return stored


async def discard_files(ctx: NodeContext, stored: Sequence[NewLocalMedia]) -> None:
    if not stored:
        return
    files = _media_store(ctx)
    for new in stored:
        await files.delete(new.file_key)
        await files.delete(new.thumbnail_key)


async def insert_uploads(conn: Conn, stored: Sequence[NewLocalMedia]) -> list[int]:
    """Rows for images `store_files` wrote; their ids, in order."""
    return [(await store.insert_local_media(conn, new)).id for new in stored]


async def set_description(
    ctx: NodeContext, account: Account, media_id: int, description: str
) -> Media:
    """Change the alt text of one of the account's uploads that is not yet in a post.

    An attached image changes with its post (an edit sends `Update`); changing it here would
    leave other servers showing the old text.
    """
    text = clean_description(description)
    async with ctx.db.transaction() as conn:
        media = await store.get_media(conn, media_id)
        if media is None or media.account_id != account.id:
            raise NotFound("no such image of yours")
        if media.post_id is not None:
            raise ValidationFailed(
                "description", "That image is in a post already; edit the post to change it"
            )
        return await store.update_description(conn, media.id, text)


async def attach_to_post(
    conn: Conn, account_id: int, post_id: int, media_ids: list[int]
) -> list[Media]:
    """Attach the account's own unattached uploads to its post, in the order given.

    Call inside the post's transaction: ValidationFailed (someone else's image, one already in a
    post, more than four in all) aborts it, so a post is never stored missing its images.
    """
    wanted = list(dict.fromkeys(media_ids))
    if not wanted:
        return []
    existing = await store.count_attached(conn, post_id)
    check_attachment_count(existing, len(wanted))
    attached = await store.attach(conn, account_id, post_id, wanted, existing)
    if len(attached) != len(wanted):
        raise ValidationFailed("media", "Some of those images are not yours or are in a post")
    return attached


async def media_for_posts(
    ctx_or_conn: NodeContext | Conn, post_ids: list[int]
) -> dict[int, list[Media]]:
    """Each post's attachments in order; every id asked for is a key, with [] when it has none."""
    found: dict[int, list[Media]] = {post_id: [] for post_id in post_ids}
    if not post_ids:
        return found
    if isinstance(ctx_or_conn, NodeContext):
        async with ctx_or_conn.db.connection() as conn:
            rows = await store.media_of_posts(conn, post_ids)
    else:
        rows = await store.media_of_posts(ctx_or_conn, post_ids)
    for media in rows:
        assert media.post_id is not None
        found[media.post_id].append(media)
    return found


async def read_file(ctx: NodeContext, key: str) -> MediaFile | None:
    """A stored file and the type to serve it as, or None for an unknown or malformed key."""
    if not is_valid_key(key):
        return None
    data = await _media_store(ctx).get(key)
    if data is None:
        return None
    async with ctx.db.connection() as conn:
        public = await store.attachment_is_public(conn, key)
    return MediaFile(data, content_type_of_key(key), public=public is not False)


async def delete_orphans(ctx: NodeContext, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete uploads never attached (or left by a deleted post) for longer than `older_than`.

    Files are deleted before the rows' deletion commits: a crash in between leaves rows whose
    files are gone, which the next sweep removes, rather than files no row points at.
    """
    files = _media_store(ctx)
    removed = 0
    while True:
        async with ctx.db.transaction() as conn:
            batch = await store.delete_unattached(conn, older_than, _ORPHAN_BATCH)
            for media in batch:
                for key in (media.file_key, media.thumbnail_key):
                    if key is not None:
                        await files.delete(key)
        removed += len(batch)
        if len(batch) < _ORPHAN_BATCH:
            log.info("deleted %d unattached media older than %s", removed, older_than)
            return removed


# -- From a remote server -------------------------------------------------------------------


async def store_remote_attachments(
    conn: Conn, post_id: int, attachments: tuple[Attachment, ...]
) -> list[Media]:
    """Record a remote post's attachments (replacing earlier ones, for `Update`), by URL only.

    Like Mastodon, at most four are kept (interop brief §5.3); implausible sizes and malformed
    blurhashes are dropped rather than shown.
    """
    items = [item for item in map(media_from_ap, attachments) if item is not None]
    return await store.replace_remote_media(conn, post_id, items[:MAX_ATTACHMENTS])


def media_from_ap(attachment: Attachment) -> NewRemoteMedia | None:
    url = attachment.url
    if len(url) > MAX_REMOTE_URL or not url.startswith(("https://", "http://")):
        return None
    return NewRemoteMedia(
        kind=kind_of(attachment.media_type, attachment.type),
        content_type=(attachment.media_type or "application/octet-stream")[:255],
        remote_url=url,
        width=plausible_side(attachment.width),
        height=plausible_side(attachment.height),
        blurhash=plausible_blurhash(attachment.blurhash),
        description=(attachment.name or "").strip()[:MAX_DESCRIPTION],
    )


def _media_store(ctx: NodeContext) -> MediaStore:
    if ctx.media is None:
        raise ConfigurationMissing("this node context was built without a media store")
    return ctx.media


async def own_media(ctx: NodeContext, account: Account, media_id: int) -> Media:
    """One of the account's uploads (the client API's `GET /api/v1/media/:id`)."""
    async with ctx.db.connection() as conn:
        media = await store.get_media(conn, media_id)
    if media is None or media.account_id != account.id:
        raise NotFound("no such image of yours")
    return media
