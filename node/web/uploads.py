"""Image upload forms, streamed with a cap on each part.

Upload routes are exempt from the CSRF middleware only because it buffers the whole form under
the app's body limit; they read the form here instead and check the same session token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from node.domain.errors import ValidationFailed
from node.domain.media import MAX_DESCRIPTION, MAX_UPLOAD_BYTES, TOO_LARGE

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024
MAX_TEXT_FIELD = 4 * MAX_DESCRIPTION  # bytes: up to four UTF-8 bytes per character
MAX_PARTS = 8


@dataclass
class UploadForm:
    file: bytes | None = None
    text: dict[str, str] = field(default_factory=dict)


async def read_upload_form(
    request: web.Request, *, text_fields: tuple[str, ...], field_name: str = "file"
) -> UploadForm:
    """The form's `file` and `text_fields`; other fields are read and dropped. `field_name`
    names the form in error messages."""
    declared = request.content_length
    if declared is not None and declared > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        raise too_large(declared)
    if request.content_type != "multipart/form-data":
        raise ValidationFailed(field_name, "Send the image in a multipart/form-data form")
    form = UploadForm()
    reader = await request.multipart()
    for _ in range(MAX_PARTS):
        part = await reader.next()
        if part is None:
            return form
        if not isinstance(part, BodyPartReader):
            raise ValidationFailed(field_name, "Nested multipart forms are not accepted")
        if part.name == "file":
            form.file = await read_part(part, MAX_UPLOAD_BYTES)
            if form.file is None:
                raise too_large(MAX_UPLOAD_BYTES + 1)
            continue
        value = await read_part(part, MAX_TEXT_FIELD)
        if value is None:
            raise ValidationFailed(part.name or field_name, "That field is too long")
        if part.name in text_fields:
            form.text[part.name] = value.decode("utf-8", errors="replace")
    raise ValidationFailed(field_name, "That form has too many fields")


async def read_part(part: BodyPartReader, limit: int) -> bytes | None:
    """The part's bytes, or None as soon as it exceeds `limit` (the rest is not read)."""
    data = bytearray()
    while chunk := await part.read_chunk():
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


def too_large(size: int) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(
        max_size=MAX_UPLOAD_BYTES, actual_size=size, text=TOO_LARGE
    )
