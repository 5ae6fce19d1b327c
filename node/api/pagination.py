"""Mastodon's paging (`max_id`, `since_id`, `min_id`, `limit`, and `Link` headers) over the
services' keyset pages (newest first, a fixed page size, `max_id` exclusive).

`max_id` and `limit` map straight onto the services; `since_id` stops the walk at that id;
`min_id` ("the page just after this id", how clients fetch what is new) walks down to it and
keeps the oldest `limit`. A walk reads at most MAX_PAGES service pages: a client asking for
what is new after a gap of thousands of posts gets the newest part of the gap (docs/api.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from aiohttp import web

from node import keys
from node.api.ids import parse_row_id
from node.domain.numbers import whole_number

T = TypeVar("T")
MAX_PAGES = 25
# The filters a next page must keep; anything else a client sent is not echoed back.
_KEPT = frozenset({"limit", "local", "remote", "only_media", "exclude_replies", "tagged",
                   "pinned", "types[]", "exclude_types[]"})  # fmt: skip
_MAX_KEPT_VALUE = 64


@dataclass(frozen=True, slots=True)
class PageRequest:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def page_request(request: web.Request, *, default: int = 20, maximum: int = 40) -> PageRequest:
    """Read the paging parameters; values that cannot be ids are ignored, as Mastodon does."""
    query = request.query
    found = whole_number(query.get("limit"))
    limit = default if found is None else found
    return PageRequest(
        max_id=parse_row_id(query.get("max_id")),
        since_id=parse_row_id(query.get("since_id")),
        min_id=parse_row_id(query.get("min_id")),
        limit=min(max(limit, 1), maximum),
    )


async def window(
    fetch: Callable[[int | None], Awaitable[Sequence[T]]],
    key: Callable[[T], int],
    page: PageRequest,
    *,
    service_page: int,
    keep: Callable[[T], bool] | None = None,
) -> list[T]:
    """The items of `page` (only those `keep` accepts), newest first, read from a service page
    by page."""
    floor = page.min_id if page.min_id is not None else page.since_id
    found: list[T] = []
    cursor = page.max_id
    for _ in range(MAX_PAGES):
        batch = await fetch(cursor)
        reached_floor = False
        for item in batch:
            if floor is not None and key(item) <= floor:
                reached_floor = True
                break
            if keep is None or keep(item):
                found.append(item)
        if reached_floor or len(batch) < service_page:
            break
        if page.min_id is None and len(found) >= page.limit:
            break
        next_cursor = key(batch[-1])
        if cursor is not None and next_cursor >= cursor:
            break  # a service that does not move on would loop forever
        cursor = next_cursor
    if page.min_id is not None:
        return found[-page.limit :]
    return found[: page.limit]


def link_header(request: web.Request, ids: Sequence[int]) -> dict[str, str]:
    """`Link: <…max_id=oldest>; rel="next", <…min_id=newest>; rel="prev"` (none when empty)."""
    if not ids:
        return {}
    base = request.app[keys.SETTINGS].public_url + request.path
    kept = [(k, v) for k, v in request.query.items() if k in _KEPT and len(v) <= _MAX_KEPT_VALUE]

    def url(param: str, value: int) -> str:
        return f"{base}?{urlencode([*kept, (param, str(value))])}"

    older, newer = url("max_id", ids[-1]), url("min_id", ids[0])
    return {"Link": f'<{older}>; rel="next", <{newer}>; rel="prev"'}
