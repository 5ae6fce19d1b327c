"""Media attachments: what a stored image is, and the rules an upload must pass. No I/O.

The limits follow Mastodon where there is a reason to (4 attachments per post, 1500-character
alt text, interop brief §5.3) and are tighter where a school's node has less to spend: 10 MiB and
4096×4096 decoded pixels per image. Sniffing reads the file's own first bytes; the name and the
content type a client sends are never consulted.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, NewType

from node.domain.errors import ValidationFailed

MediaId = NewType("MediaId", int)
MediaKind = Literal["image", "video", "audio", "unknown"]
ImageType = Literal["jpeg", "png", "webp", "gif"]

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
MAX_SIDE: Final = 4096
MAX_PIXELS: Final = MAX_SIDE * MAX_SIDE
# Every frame of an animation is held decoded while it is re-encoded, so the sum over frames is
# capped: 25 M pixels is ~100 MB of RGBA at worst, e.g. 480×270 for 190 frames.
MAX_ANIMATION_PIXELS: Final = 25_000_000
MAX_FRAMES: Final = 1000
MAX_DESCRIPTION: Final = 1500
MAX_ATTACHMENTS: Final = 4
THUMBNAIL_SIDE: Final = 400
# Remote media is not downloaded; its declared metadata is kept only when it is plausible.
MAX_REMOTE_SIDE: Final = 16384
MAX_REMOTE_URL: Final = 2048

CONTENT_TYPES: Final[dict[ImageType, str]] = {
    "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
}  # fmt: skip
EXTENSIONS: Final[dict[ImageType, str]] = {
    "jpeg": "jpg",
    "png": "png",
    "webp": "webp",
    "gif": "gif",
}
_TYPE_OF_EXTENSION: Final = {ext: kind for kind, ext in EXTENSIONS.items()}
# Keys are minted by us (a random token, an optional "-small" for thumbnails, an extension), so a
# strict pattern rejects anything else before it is turned into a path.
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}(-small)?\.(jpg|png|webp|gif)$")
_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,}$")

NOT_AN_IMAGE: Final = "That file is not an image we accept (JPEG, PNG, WebP or GIF)"
TOO_LARGE: Final = "Images must be under 10 MiB"
TOO_MANY_PIXELS: Final = f"Images must be at most {MAX_SIDE}×{MAX_SIDE} pixels"
TOO_LONG_ANIMATION: Final = "That animation has too many frames; shorten it or make it smaller"
DAMAGED: Final = "That image is damaged or incomplete; export it again and retry"


@dataclass(frozen=True, slots=True)
class Media:
    """One attachment: a local upload (file keys set) or a remote file (remote_url set)."""

    id: MediaId
    account_id: int | None
    post_id: int | None
    position: int
    kind: MediaKind
    content_type: str
    file_key: str | None
    thumbnail_key: str | None
    remote_url: str | None
    width: int | None
    height: int | None
    blurhash: str | None
    description: str
    size: int | None
    created_at: datetime


def sniff_image_type(data: bytes) -> ImageType | None:
    """The format the bytes themselves declare (their magic numbers), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def declared_size(data: bytes, kind: ImageType) -> tuple[int, int] | None:
    """Width and height from the header, read before any decoder sees the file.

    Pillow's WebP opener asks libwebp for a whole canvas before Pillow's own bomb check runs, so
    WebP must be measured here; PNG and GIF are cheap to measure too. JPEG is left to Pillow,
    whose opener only walks the markers. None means "not measurable here", not "valid".
    """
    try:
        if kind == "png" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if kind == "gif":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == "webp":
            return _webp_size(data)
    except struct.error:
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    # Chunk layouts: developers.google.com/speed/webp/docs/riff_container
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def check_upload(data: bytes) -> ImageType:
    """The upload's real type, or ValidationFailed naming what is wrong with it."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed("file", TOO_LARGE)
    kind = sniff_image_type(data)
    if kind is None:
        raise ValidationFailed("file", NOT_AN_IMAGE)
    size = declared_size(data, kind)
    if size is not None:
        check_dimensions(*size)
    return kind


def check_dimensions(width: int, height: int, frames: int = 1) -> None:
    if width <= 0 or height <= 0:
        raise ValidationFailed("file", DAMAGED)
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationFailed("file", TOO_MANY_PIXELS)
    if frames > 1 and (frames > MAX_FRAMES or width * height * frames > MAX_ANIMATION_PIXELS):
        raise ValidationFailed("file", TOO_LONG_ANIMATION)


def clean_description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            "description", f"Descriptions must be at most {MAX_DESCRIPTION} characters"
        )
    return text


def check_attachment_count(existing: int, adding: int) -> None:
    if existing + adding > MAX_ATTACHMENTS:
        raise ValidationFailed("media", f"A post can have at most {MAX_ATTACHMENTS} images")


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def content_type_of_key(key: str) -> str:
    """The Content-Type to serve a stored file with, from the extension we gave it."""
    return CONTENT_TYPES[_TYPE_OF_EXTENSION[key.rsplit(".", 1)[1]]]


def kind_of(media_type: str | None, as_type: str) -> MediaKind:
    """Mastodon's classification: by mediaType first, then by the AS2 type (Image, Video…)."""
    major = (media_type or "").split("/", 1)[0]
    return _KIND_OF_MAJOR.get(major) or _KIND_OF_AS_TYPE.get(as_type) or "unknown"


_KIND_OF_MAJOR: Final[dict[str, MediaKind]] = {"image": "image", "video": "video", "audio": "audio"}
_KIND_OF_AS_TYPE: Final[dict[str, MediaKind]] = {
    "Image": "image",
    "Video": "video",
    "Audio": "audio",
}


def plausible_side(value: int | None) -> int | None:
    """A remote width or height, or None when it is absent or absurd."""
    return value if value is not None and 0 < value <= MAX_REMOTE_SIDE else None


def plausible_blurhash(value: str | None) -> str | None:
    """A remote blurhash whose length matches its own header (blurhash spec), else None."""
    if value is None or not _BLURHASH.match(value):
        return None
    size_flag = _BASE83.find(value[0])
    x, y = size_flag % 9 + 1, size_flag // 9 + 1
    return value if len(value) == 4 + 2 * x * y else None


_BASE83: Final = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)
