"""Media: uploads are cleaned and measured, attach only where they may, and orphans are swept.

Real PostgreSQL and real files in a temporary data dir; images are made with Pillow per test.
"""

from __future__ import annotations

import io
import resource
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import blurhash
import pytest
from PIL import Image, ImageSequence

from federation.parse import parse_object
from federation.parse_types import Attachment, Object
from federation.render import render_note
from federation.render_docs import NoteDoc
from node.domain.accounts import Account
from node.domain.errors import NotFound, ValidationFailed
from node.domain.media import (
    DAMAGED,
    NOT_AN_IMAGE,
    TOO_LARGE,
    TOO_LONG_ANIMATION,
    TOO_MANY_PIXELS,
    Media,
)
from node.domain.urls import Urls
from node.infra.media_store import LocalMediaStore
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.services.posts.as2 import media_to_doc
from node.services.posts.media import (
    attach_to_post,
    delete_orphans,
    media_for_posts,
    read_file,
    set_description,
    store_remote_attachments,
    upload_media,
)
from tests.fixtures.media import images

BASE = "https://school.example"


@pytest.fixture
async def ctx(db: Database, tmp_path: Path) -> NodeContext:
    store = LocalMediaStore(tmp_path / "data" / "media", BASE)
    # The federation client is never opened: nothing here goes over the network.
    return NodeContext(
        db=db, urls=Urls(BASE), http=federation_client(BASE, loopback=True), media=store
    )


@pytest.fixture
async def ana(db: Database) -> Account:
    return await accounts.create_account(db, "ana", "ana@district.example")


@pytest.fixture
async def ben(db: Database) -> Account:
    return await accounts.create_account(db, "ben", "ben@district.example")


async def _post(ctx: NodeContext, author: Account) -> int:
    # Plain SQL, so these tests do not depend on how the posting service evolves.
    async with ctx.db.connection() as conn:
        post_id: int = await conn.fetchval(
            "INSERT INTO posts (uri, author_account, content_html, visibility) "
            "VALUES ('urn:test:' || gen_random_uuid(), $1, '<p>hi</p>', 'public') RETURNING id",
            author.id,
        )
    return post_id


async def _stored(ctx: NodeContext, key: str | None) -> Image.Image:
    assert key is not None
    found = await read_file(ctx, key)
    assert found is not None
    return Image.open(io.BytesIO(found.data))


def _store_root(ctx: NodeContext) -> Path:
    assert isinstance(ctx.media, LocalMediaStore)
    return ctx.media.root


# -- Cleaning and measuring an upload --------------------------------------------------------


async def test_phone_jpeg_loses_exif_gps_xmp_icc_and_comment_and_is_turned_upright(
    ctx: NodeContext, ana: Account
) -> None:
    # Given a sideways phone photo (orientation 6) carrying GPS, XMP, ICC and a comment
    data = images.jpeg_from_phone(60, 40, orientation=6)
    # When it is uploaded
    media = await upload_media(ctx, ana, data, description="Bean sprouts")
    # Then the stored file is upright, and nothing but pixels survived
    stored = await _stored(ctx, media.file_key)
    raw = await read_file(ctx, media.file_key or "")
    assert raw is not None
    assert stored.format == "JPEG" and stored.size == (40, 60)
    assert (media.width, media.height) == (40, 60)
    assert len(stored.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
    assert images.SECRET.encode() not in raw.data and b"Exif" not in raw.data
    top, bottom = stored.convert("RGB").getpixel((20, 10)), stored.convert("RGB").getpixel((20, 50))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 180 and top[2] < 60  # red on top: the left edge turned clockwise
    assert bottom[2] > 180 and bottom[0] < 60
    assert media.content_type == "image/jpeg" and media.description == "Bean sprouts"
    assert media.size == len(raw.data) and media.post_id is None


@pytest.mark.parametrize(
    ("make", "fmt", "content_type"),
    [
        (images.png_with_alpha, "PNG", "image/png"),
        (images.webp, "WEBP", "image/webp"),
        (images.animated_gif, "GIF", "image/gif"),
    ],
)
async def test_png_webp_and_gif_are_accepted_in_their_own_format_without_metadata(
    ctx: NodeContext,
    ana: Account,
    make: Callable[[], bytes],
    fmt: str,
    content_type: str,
) -> None:
    media = await upload_media(ctx, ana, make())
    stored = await _stored(ctx, media.file_key)
    assert stored.format == fmt and media.content_type == content_type
    assert not {"exif", "icc_profile", "xmp", "comment", "Comment"} & set(stored.info)
    assert len(stored.getexif()) == 0


async def test_png_keeps_its_transparency(ctx: NodeContext, ana: Account) -> None:
    media = await upload_media(ctx, ana, images.png_with_alpha())
    stored = (await _stored(ctx, media.file_key)).convert("RGBA")
    assert stored.getpixel((2, 2)) == (0, 0, 0, 0)
    assert stored.getpixel((30, 20)) == (*images.BLUE, 255)


async def test_animated_gif_stays_animated_with_its_timing(ctx: NodeContext, ana: Account) -> None:
    media = await upload_media(ctx, ana, images.animated_gif(frames=3))
    stored = await _stored(ctx, media.file_key)
    # The iterator seeks one image object, so read each frame while it is current.
    durations, squares = [], []
    for n, frame in enumerate(ImageSequence.Iterator(stored)):
        durations.append(frame.info["duration"])
        squares.append(frame.convert("RGBA").getpixel((n * 8 + 4, 10)))
    assert durations == [100, 110, 120]
    assert squares == [(*images.RED, 255)] * 3  # the square moves, frame by frame
    assert stored.info.get("loop") == 0
    # The thumbnail is a still of the first frame.
    thumbnail = await _stored(ctx, media.thumbnail_key)
    assert getattr(thumbnail, "n_frames", 1) == 1


async def test_thumbnail_fits_in_400_pixels_keeping_the_aspect_ratio(
    ctx: NodeContext, ana: Account
) -> None:
    media = await upload_media(ctx, ana, images.jpeg(1200, 600))
    thumbnail = await _stored(ctx, media.thumbnail_key)
    assert thumbnail.size == (400, 200)
    assert (media.width, media.height) == (1200, 600)
    small = await upload_media(ctx, ana, images.jpeg(120, 90))
    assert (await _stored(ctx, small.thumbnail_key)).size == (120, 90)  # never enlarged


async def test_blurhash_is_valid_and_decodes(ctx: NodeContext, ana: Account) -> None:
    media = await upload_media(ctx, ana, images.jpeg(300, 200))
    assert media.blurhash
    assert blurhash.is_valid_blurhash(media.blurhash)
    assert len(media.blurhash) == 4 + 2 * 4 * 4  # 4×4 components, as Mastodon makes them
    preview = blurhash.decode(media.blurhash, 8, 8)
    red, _, blue = preview.getpixel((0, 4))
    assert red > blue  # the left half of the image is red


# -- Refusals ---------------------------------------------------------------------------------


async def test_a_text_file_named_jpg_is_refused(ctx: NodeContext, ana: Account) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, b"Dear parents,\nthe trip is on Friday.\n")
    assert refused.value.message == NOT_AN_IMAGE
    assert not _store_root(ctx).exists() or not any(_store_root(ctx).rglob("*.*"))


async def test_svg_is_refused(ctx: NodeContext, ana: Account) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, svg)
    assert refused.value.message == NOT_AN_IMAGE


async def test_a_truncated_image_is_refused_as_damaged(ctx: NodeContext, ana: Account) -> None:
    data = images.jpeg(200, 200)
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, data[: len(data) // 2])
    assert refused.value.message == DAMAGED


async def test_a_body_over_10_mib_is_refused(ctx: NodeContext, ana: Account) -> None:
    data = images.jpeg(10, 10) + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, data)
    assert refused.value.message == TOO_LARGE


@pytest.mark.parametrize(
    "data",
    [
        images.png_claiming(60_000, 60_000),  # 3.6 G pixels, ~11 GB if decoded
        images.webp_claiming(16_000, 16_000),  # libwebp would allocate the canvas on open
        images.sparse_png(5000, 5000),  # a real, valid file of a few KiB
        images.jpeg(5000, 8),  # too wide, though few pixels
    ],
    ids=["png-header", "webp-header", "valid-png", "wide-jpeg"],
)
async def test_huge_dimensions_are_refused_before_decoding(
    ctx: NodeContext, ana: Account, data: bytes
) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, data)
    assert refused.value.message == TOO_MANY_PIXELS
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 64 * 1024  # nothing near the decoded size was ever allocated


async def test_an_animation_with_too_many_pixels_in_all_is_refused(
    ctx: NodeContext, ana: Account
) -> None:
    data = images.animated_gif(frames=40, width=1000, height=1000)  # 40 M pixels in all
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, data)
    assert refused.value.message == TOO_LONG_ANIMATION


async def test_descriptions_are_limited_to_1500_characters(ctx: NodeContext, ana: Account) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await upload_media(ctx, ana, images.jpeg(10, 10), description="x" * 1501)
    assert refused.value.field == "description"
    media = await upload_media(ctx, ana, images.jpeg(10, 10), description="é" * 1500)
    assert len(media.description) == 1500


# -- Descriptions and attaching ----------------------------------------------------------------


async def test_only_the_owner_may_describe_an_unattached_upload(
    ctx: NodeContext, ana: Account, ben: Account
) -> None:
    media = await upload_media(ctx, ana, images.jpeg(10, 10))
    described = await set_description(ctx, ana, media.id, "  A seedling  ")
    assert described.description == "A seedling"
    with pytest.raises(NotFound):
        await set_description(ctx, ben, media.id, "mine now")
    async with ctx.db.transaction() as conn:
        await attach_to_post(conn, ana.id, await _post(ctx, ana), [media.id])
    with pytest.raises(ValidationFailed):
        await set_description(ctx, ana, media.id, "changed after posting")


async def test_attaching_keeps_the_order_given(ctx: NodeContext, ana: Account) -> None:
    uploads = [await upload_media(ctx, ana, images.jpeg(10 + n, 10)) for n in range(3)]
    post_id = await _post(ctx, ana)
    wanted = [int(uploads[2].id), int(uploads[0].id), int(uploads[1].id)]
    async with ctx.db.transaction() as conn:
        attached = await attach_to_post(conn, ana.id, post_id, wanted)
    assert [m.id for m in attached] == wanted
    found = await media_for_posts(ctx, [post_id, 999_999])
    assert [m.id for m in found[post_id]] == wanted
    assert [m.position for m in found[post_id]] == [0, 1, 2]
    assert found[999_999] == []


async def test_another_person_cannot_attach_my_upload(
    ctx: NodeContext, ana: Account, ben: Account
) -> None:
    mine = await upload_media(ctx, ana, images.jpeg(10, 10))
    bens_post = await _post(ctx, ben)
    with pytest.raises(ValidationFailed):
        async with ctx.db.transaction() as conn:
            await attach_to_post(conn, ben.id, bens_post, [mine.id])
    assert (await media_for_posts(ctx, [bens_post]))[bens_post] == []


async def test_an_upload_can_be_in_only_one_post(ctx: NodeContext, ana: Account) -> None:
    media = await upload_media(ctx, ana, images.jpeg(10, 10))
    first, second = await _post(ctx, ana), await _post(ctx, ana)
    async with ctx.db.transaction() as conn:
        await attach_to_post(conn, ana.id, first, [media.id])
    with pytest.raises(ValidationFailed):
        async with ctx.db.transaction() as conn:
            await attach_to_post(conn, ana.id, second, [media.id])


async def test_at_most_four_attachments_and_a_refusal_attaches_none(
    ctx: NodeContext, ana: Account
) -> None:
    uploads = [await upload_media(ctx, ana, images.jpeg(10, 10)) for _ in range(5)]
    post_id = await _post(ctx, ana)
    with pytest.raises(ValidationFailed) as refused:
        async with ctx.db.transaction() as conn:
            await attach_to_post(conn, ana.id, post_id, [m.id for m in uploads])
    assert refused.value.field == "media"
    assert (await media_for_posts(ctx, [post_id]))[post_id] == []
    async with ctx.db.transaction() as conn:
        await attach_to_post(conn, ana.id, post_id, [m.id for m in uploads[:3]])
    with pytest.raises(ValidationFailed):  # 3 + 2 > 4, counted across calls
        async with ctx.db.transaction() as conn:
            await attach_to_post(conn, ana.id, post_id, [m.id for m in uploads[3:]])
    async with ctx.db.connection() as conn:
        both = await media_for_posts(conn, [post_id])  # a connection works as well as a context
    assert len(both[post_id]) == 3


# -- Orphans -----------------------------------------------------------------------------------


async def test_orphan_sweep_deletes_old_unattached_rows_and_their_files(
    ctx: NodeContext, ana: Account
) -> None:
    # Given an old orphan, an old attached upload and a fresh orphan
    old_orphan = await upload_media(ctx, ana, images.jpeg(10, 10))
    old_attached = await upload_media(ctx, ana, images.jpeg(10, 10))
    fresh = await upload_media(ctx, ana, images.jpeg(10, 10))
    post_id = await _post(ctx, ana)
    async with ctx.db.transaction() as conn:
        await attach_to_post(conn, ana.id, post_id, [old_attached.id])
        await conn.execute(
            "UPDATE media SET created_at = now() - interval '2 days' WHERE id = ANY($1::bigint[])",
            [old_orphan.id, old_attached.id],
        )
    # When the sweep runs
    removed = await delete_orphans(ctx, older_than=timedelta(days=1))
    # Then only the old orphan is gone, row and both files
    assert removed == 1
    assert await read_file(ctx, old_orphan.file_key or "") is None
    assert await read_file(ctx, old_orphan.thumbnail_key or "") is None
    for kept in (old_attached, fresh):
        assert await read_file(ctx, kept.file_key or "") is not None
    async with ctx.db.connection() as conn:
        ids = {row["id"] for row in await conn.fetch("SELECT id FROM media")}
    assert ids == {old_attached.id, fresh.id}
    assert await delete_orphans(ctx, older_than=timedelta(days=1)) == 0


async def test_media_of_a_deleted_post_become_orphans(ctx: NodeContext, ana: Account) -> None:
    media = await upload_media(ctx, ana, images.jpeg(10, 10))
    post_id = await _post(ctx, ana)
    async with ctx.db.transaction() as conn:
        await attach_to_post(conn, ana.id, post_id, [media.id])
        await conn.execute("DELETE FROM posts WHERE id = $1", post_id)
    assert await delete_orphans(ctx, older_than=timedelta(0)) == 1
    assert await read_file(ctx, media.file_key or "") is None


# -- Federation ---------------------------------------------------------------------------------


async def test_media_to_doc_round_trips_through_render_and_parse(
    ctx: NodeContext, ana: Account
) -> None:
    media = await upload_media(ctx, ana, images.jpeg(64, 48), description="A red and blue card")
    note = render_note(
        NoteDoc(
            id=f"{BASE}/users/ana/statuses/1", attributed_to=f"{BASE}/users/ana",
            content="<p>Look</p>", published=media.created_at,
            to=("https://www.w3.org/ns/activitystreams#Public",),
            attachments=(media_to_doc(ctx.urls, media),),
        )
    )  # fmt: skip
    parsed = parse_object(note)
    assert isinstance(parsed, Object)
    (attachment,) = parsed.attachments
    assert attachment.type == "Document"
    assert attachment.url == f"{BASE}/media/{media.file_key}"
    assert attachment.media_type == "image/jpeg"
    assert attachment.name == "A red and blue card"
    assert attachment.blurhash == media.blurhash
    assert (attachment.width, attachment.height) == (64, 48)


def _remote(url: str, **changes: object) -> Attachment:
    fields: dict[str, object] = {
        "type": "Document", "url": url, "media_type": "image/jpeg", "name": "A map",
        "blurhash": "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt", "width": 1200, "height": 900,
        "focal_point": None,
    }  # fmt: skip
    fields.update(changes)
    return Attachment(**fields)  # type: ignore[arg-type]


async def test_remote_attachments_are_recorded_by_url_with_plausible_metadata(
    ctx: NodeContext, ana: Account
) -> None:
    post_id = await _post(ctx, ana)
    attachments = (
        _remote("https://files.mastodon.example/a.jpg"),
        _remote("https://files.mastodon.example/b.jpg", width=10**9, blurhash="not-a-hash"),
        _remote("ftp://files.mastodon.example/c.jpg"),
        _remote("https://files.mastodon.example/d.mp4", type="Video", media_type=None),
        _remote("https://files.mastodon.example/e.jpg"),
        _remote("https://files.mastodon.example/f.jpg"),
    )
    async with ctx.db.transaction() as conn:
        stored = await store_remote_attachments(conn, post_id, attachments)
    assert [m.remote_url for m in stored] == [
        "https://files.mastodon.example/a.jpg", "https://files.mastodon.example/b.jpg",
        "https://files.mastodon.example/d.mp4", "https://files.mastodon.example/e.jpg",
    ]  # fmt: skip
    first, absurd, video, _ = stored
    assert (first.width, first.height, first.description) == (1200, 900, "A map")
    assert first.blurhash == "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt"
    assert absurd.width is None and absurd.blurhash is None
    assert video.kind == "video" and video.file_key is None and video.size is None
    doc = media_to_doc(ctx.urls, first)
    assert doc.url == "https://files.mastodon.example/a.jpg"


async def test_storing_remote_attachments_again_replaces_them(
    ctx: NodeContext, ana: Account
) -> None:
    post_id = await _post(ctx, ana)
    async with ctx.db.transaction() as conn:
        await store_remote_attachments(conn, post_id, (_remote("https://m.example/1.jpg"),))
        await store_remote_attachments(conn, post_id, (_remote("https://m.example/2.jpg"),))
    found: list[Media] = (await media_for_posts(ctx, [post_id]))[post_id]
    assert [m.remote_url for m in found] == ["https://m.example/2.jpg"]


# -- The local store ----------------------------------------------------------------------------


async def test_the_local_store_never_turns_a_foreign_key_into_a_path(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media", BASE)
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    assert await store.get("../secret.jpg") is None
    assert await store.get("..%2Fsecret.jpg") is None
    with pytest.raises(ValueError, match="not a media key"):
        await store.put("../../etc/passwd.jpg", b"x", "image/jpeg")
    key = "A" * 32 + ".jpg"
    await store.put(key, b"bytes", "image/jpeg")
    assert (tmp_path / "media" / "AA" / key).read_bytes() == b"bytes"
    assert await store.get(key) == b"bytes"
    assert store.url(key) == f"{BASE}/media/{key}"
    await store.delete(key)
    await store.delete(key)  # already gone: not an error
    assert await store.get(key) is None
