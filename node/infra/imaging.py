"""Image processing for uploads (blocking: callers run it in a worker thread).

An upload is checked from its own bytes (never its name or declared type), decoded only after
its dimensions pass (decompression bombs), turned upright by its EXIF orientation, converted to
sRGB and re-encoded from pixels alone, so no EXIF, GPS, XMP, ICC profile or comment survives.
Animated GIF and WebP stay animated: teachers use them, and a still first frame would change
what the poster meant.
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass

from blurhash._functions import ffi as _blurhash_ffi
from blurhash._functions import lib as _blurhash_lib
from PIL import ExifTags, Image, ImageCms, ImageSequence

from node.domain.errors import ValidationFailed
from node.domain.media import (
    DAMAGED,
    MAX_PIXELS,
    THUMBNAIL_SIDE,
    TOO_MANY_PIXELS,
    ImageType,
    check_dimensions,
    check_upload,
)

log = logging.getLogger(__name__)

# Pillow's own bomb guard, as a second line behind check_dimensions: with this, Image.open
# refuses anything over twice our limit even if a header escaped our own reading.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

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
