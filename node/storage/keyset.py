"""Keyset pages of lists shown newest first (the client API's `max_id`, `since_id`, `min_id`,
`limit`): a page is continued from an id, however the list has changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Which part of a list, newest first: ids below `max_id` and above `since_id`; with
    `min_id`, the `limit` ids just above it (how an app asks for what is new)."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


def keyset(cursor: Cursor, id_column: str, first: int) -> tuple[str, list[int | None]]:
    """The WHERE and ORDER BY … LIMIT tail of a page query, with its parameters from $`first`."""
    floor = cursor.min_id if cursor.min_id is not None else cursor.since_id
    order = "ASC" if cursor.min_id is not None else "DESC"
    below, above, limit = f"${first}", f"${first + 1}", f"${first + 2}"
    sql = (
        f"AND ({below}::bigint IS NULL OR {id_column} < {below}) "
        f"AND ({above}::bigint IS NULL OR {id_column} > {above}) "
        f"ORDER BY {id_column} {order} LIMIT {limit}"
    )
    return sql, [cursor.max_id, floor, cursor.limit]


def newest_first(cursor: Cursor, rows: list[T]) -> list[T]:
    """A page read oldest first (for `min_id`) turned the way lists are shown."""
    return rows[::-1] if cursor.min_id is not None else rows
