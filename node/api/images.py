"""The images an Account shows when its owner chose none, at Mastodon's paths."""

from __future__ import annotations

import struct
import zlib

from aiohttp import web

from node.api.serializers import MISSING_AVATAR, MISSING_HEADER

routes = web.RouteTableDef()

_CACHE = {"Cache-Control": "public, max-age=604800"}


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG, built by hand (IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


_AVATAR = solid_png(96, 96, (200, 205, 214))
_HEADER = solid_png(300, 100, (226, 230, 236))


@routes.get(MISSING_AVATAR)
async def missing_avatar(request: web.Request) -> web.Response:
    return web.Response(body=_AVATAR, content_type="image/png", headers=_CACHE)


@routes.get(MISSING_HEADER)
async def missing_header(request: web.Request) -> web.Response:
    return web.Response(body=_HEADER, content_type="image/png", headers=_CACHE)
