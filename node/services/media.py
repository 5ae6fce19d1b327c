"""Images people upload and attach to posts, and the attachments remote posts carry.

An upload is checked from its own bytes (never its name or declared type), decoded only after
its dimensions pass (decompression bombs), turned upright by its EXIF orientation, converted to
sRGB and re-encoded from pixels alone, so no EXIF, GPS, XMP, ICC profile or comment survives.
Animated GIF and WebP stay animated: teachers use them, and a still first frame would change
what the poster meant. Pillow's work runs in a thread so the event loop keeps serving.
Remote attachments are recorded by URL with their declared metadata; nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import struct
from dataclasses import dataclass
from datetime import timedelta

from blurhash._functions import ffi as _blurhash_ffi
from blurhash._functions import lib as _blurhash_lib
from PIL import ExifTags, Image, ImageCms, ImageSequence

from federation.parse_types import Attachment
from node.domain.accounts import Account
from node.domain.errors import ConfigurationMissing, NotFound, ValidationFailed
from node.domain.media import (
    CONTENT_TYPES,
    DAMAGED,
    EXTENSIONS,
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    MAX_PIXELS,
    MAX_REMOTE_URL,
    THUMBNAIL_SIDE,
    TOO_MANY_PIXELS,
    ImageType,
    Media,
    check_attachment_count,
    check_dimensions,
    check_upload,
    clean_description,
    content_type_of_key,
    is_valid_key,
    kind_of,
    plausible_blurhash,
    plausible_side,
)
from node.services.context import NodeContext
from node.services.media_store import MediaStore
from node.storage import media as store
from node.storage.media import NewLocalMedia, NewRemoteMedia
from node.storage.pool import Conn

log = logging.getLogger(__name__)

# Pillow's own bomb guard, as a second line behind check_dimensions: with this, Image.open
# refuses anything over twice our limit even if a header escaped our own reading.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ORPHAN_AGE = timedelta(days=1)
_ORPHAN_BATCH = 100
_PILLOW_FORMATS: dict[ImageType, str] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
# What Pillow raises on damaged or hostile files (truncated data, bad chunks, broken tables).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError)
_QUALITY = 88
# Mastodon's blurhash size (x_comp: 4, y_comp: 4); clients decode any size.
_BLURHASH_COMPONENTS = 4
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    kind: ImageType
    data: bytes
    thumbnail: bytes
    thumbnail_type: ImageType
    width: int
    height: int
    blurhash: str


@dataclass(frozen=True, slots=True)
class MediaFile:
    data: bytes
    content_type: str


# -- From a local person --------------------------------------------------------------------


async def upload_media(
    ctx: NodeContext, account: Account, data: bytes, *, description: str = ""
) -> Media:
    """Check, clean and store an image; it stays unattached until a post takes it."""
    files = _media_store(ctx)
    text = clean_description(description)
    image = await asyncio.to_thread(process_image, data)
    token = secrets.token_urlsafe(24)  # 192 random bits: the file's URL is its only guard
    file_key = f"{token}.{EXTENSIONS[image.kind]}"
    thumbnail_key = f"{token}-small.{EXTENSIONS[image.thumbnail_type]}"
    try:
        await files.put(file_key, image.data, CONTENT_TYPES[image.kind])
        await files.put(thumbnail_key, image.thumbnail, CONTENT_TYPES[image.thumbnail_type])
        async with ctx.db.transaction() as conn:
            return await store.insert_local_media(conn, NewLocalMedia(
                account_id=account.id, content_type=CONTENT_TYPES[image.kind],
                file_key=file_key, thumbnail_key=thumbnail_key, width=image.width,
                height=image.height, blurhash=image.blurhash, description=text,
                size=len(image.data),
            ))  # fmt: skip
    except BaseException:
        # No row points at these files, so nothing else would ever delete them.
        await files.delete(file_key)
        await files.delete(thumbnail_key)
        raise


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
    return MediaFile(data, content_type_of_key(key)) if data is not None else None


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


# -- Image processing (blocking; runs in a worker thread) ------------------------------------


def process_image(data: bytes) -> ProcessedImage:
    """Validate and re-encode an upload; ValidationFailed says what is wrong with it."""
    kind = check_upload(data)
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as source:
            # MPO JPEGs also report frames (a depth map, a preview); only GIF and WebP animate.
            frames = int(getattr(source, "n_frames", 1)) if kind in ("gif", "webp") else 1
            # The opener has read the header only; nothing is decoded before this check.
            check_dimensions(source.width, source.height, frames)
            if frames > 1:
                encoded, first = _encode_animation(source, kind)
            else:
                first = _upright_srgb(source, kind)
                encoded = _save(first, kind)
            thumbnail, thumbnail_type = _thumbnail(first)
            blurhash = _blurhash(thumbnail)
    except Image.DecompressionBombError:
        raise ValidationFailed("file", TOO_MANY_PIXELS) from None
    except _DECODE_ERRORS:
        raise ValidationFailed("file", DAMAGED) from None
    return ProcessedImage(
        kind=kind, data=encoded, thumbnail=_save(thumbnail, thumbnail_type),
        thumbnail_type=thumbnail_type, width=first.width, height=first.height, blurhash=blurhash,
    )  # fmt: skip


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _upright_srgb(source: Image.Image, kind: ImageType) -> Image.Image:
    """Pixels only: RGB(A), sRGB, turned by the EXIF orientation, with no metadata at all."""
    mode = "RGBA" if _has_alpha(source) and kind != "jpeg" else "RGB"
    icc = source.info.get("icc_profile")
    image = source if source.mode in ("CMYK", mode) else source.convert(mode)
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"), outputMode=mode,
            )  # fmt: skip
            assert converted is not None  # inPlace=False always returns the new image
            image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            log.debug("unusable ICC profile; keeping the stored colours")
    if image.mode != mode:
        image = image.convert(mode)
    method = _TRANSPOSE.get(source.getexif().get(ExifTags.Base.Orientation, 1))
    image = image.transpose(method) if method is not None else image.copy()
    image.info = {}
    return image


def _save(image: Image.Image, kind: ImageType, **options: object) -> bytes:
    # Only the options given here reach the encoder: `image.info` was emptied, and nothing
    # passes exif=, icc_profile=, pnginfo= or comment=.
    if kind in ("jpeg", "webp"):
        options.setdefault("quality", _QUALITY)
    out = io.BytesIO()
    image.save(out, _PILLOW_FORMATS[kind], **options)
    return out.getvalue()


def _encode_animation(source: Image.Image, kind: ImageType) -> tuple[bytes, Image.Image]:
    """Every frame re-encoded from its pixels, keeping timing and looping; and the first frame."""
    method = _TRANSPOSE.get(source.getexif().get(ExifTags.Base.Orientation, 1))
    frames, durations = [], []
    for frame in ImageSequence.Iterator(source):
        clean = frame.convert("RGBA")
        if method is not None:
            clean = clean.transpose(method)
        clean.info = {}
        frames.append(clean)
        durations.append(int(frame.info.get("duration", 0)))
    options: dict[str, object] = {
        "save_all": True, "append_images": frames[1:], "duration": durations,
    }  # fmt: skip
    if "loop" in source.info:  # absent means "play once"; adding it would make it loop forever
        options["loop"] = int(source.info["loop"])
    if kind == "gif":
        options["disposal"] = 2  # frames are whole composited canvases: clear between them
    return _save(frames[0], kind, **options), frames[0]


def _thumbnail(image: Image.Image) -> tuple[Image.Image, ImageType]:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if small.mode == "RGBA" and small.getchannel("A").getextrema() != (255, 255):
        return small, "png"
    return small.convert("RGB"), "jpeg"


def _blurhash(image: Image.Image) -> str:
    """Mastodon-sized blurhash of the image over white.

    The C encoder is called directly: blurhash-python's `encode()` reads pixels with
    `Image.getdata`, deprecated in Pillow 13 and gone in 14; raw RGB bytes also avoid building
    a Python list of every pixel.
    """
    small = image.copy()
    small.thumbnail((64, 64))
    if small.mode == "RGBA":
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    small = small.convert("RGB")
    width, height = small.size
    pixels = _blurhash_ffi.from_buffer("uint8_t[]", small.tobytes())
    destination = _blurhash_ffi.new("char[]", 2 + 4 + (9 * 9 - 1) * 2 + 1)
    result = _blurhash_lib.create_hash_from_pixels(
        _BLURHASH_COMPONENTS, _BLURHASH_COMPONENTS, width, height, pixels, width * 3, destination
    )
    if result == _blurhash_ffi.NULL:
        raise ValueError("blurhash encoder refused its input")
    text: str = _blurhash_ffi.string(result).decode()
    return text


async def own_media(ctx: NodeContext, account: Account, media_id: int) -> Media:
    """One of the account's uploads (the client API's `GET /api/v1/media/:id`)."""
    async with ctx.db.connection() as conn:
        media = await store.get_media(conn, media_id)
    if media is None or media.account_id != account.id:
        raise NotFound("no such image of yours")
    return media
