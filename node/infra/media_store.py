"""Where media files live: a small interface, and its implementation on the local disk.

Files go to a directory under the data dir through this interface, so that an S3-compatible
store can replace it (deploy/README.md) without touching the services that use it.
Keys are minted by `services.media` (random tokens); a store never derives them from user input.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from node.domain.media import Media, is_valid_key
from node.domain.urls import Urls

MEDIA_PATH = "/media/"


def media_url(base_url: str, key: str) -> str:
    """The public URL of a file served by this node (`GET /media/{key}`)."""
    return f"{base_url}{MEDIA_PATH}{key}"


def media_urls(urls: Urls, media: Media) -> tuple[str, str | None]:
    """(url, preview_url): our files for an upload; the remote URL, no preview, otherwise.

    URLs are built, not stored, so they follow the node's public URL. An S3-compatible store
    would put its own base here (and in `url()` below).
    """
    if media.remote_url is not None:
        return media.remote_url, None
    assert media.file_key is not None  # the table's CHECK: a file key or a remote URL
    preview = media_url(urls.base, media.thumbnail_key) if media.thumbnail_key else None
    return media_url(urls.base, media.file_key), preview


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""

    async def delete(self, key: str) -> None:
        """Remove the file; a file that is already gone is not an error."""

    def url(self, key: str) -> str: ...


class LocalMediaStore:
    """Files under `root` (DATA_DIR/media), served by this node at `/media/{key}`.

    Files are spread over 256-ish subdirectories by the key's first two characters, so no one
    directory grows to millions of entries. Writes go to a temporary name and are renamed into
    place, so a reader never sees half a file.
    """

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url

    def path_of(self, key: str) -> Path:
        if not is_valid_key(key):
            # Keys are ours; anything else (a "../", a slash) must never become a path.
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.path_of(key), data)

    async def get(self, key: str) -> bytes | None:
        if not is_valid_key(key):
            return None
        try:
            return await asyncio.to_thread(self.path_of(key).read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)

    def url(self, key: str) -> str:
        return media_url(self.base_url, key)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{secrets.token_hex(8)}.tmp")
        try:
            with temporary.open("xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            temporary.chmod(0o644)
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
