"""The client API's ids: strings, numeric-looking (some clients compare them as numbers).

Statuses, notifications, media and apps keep their row ids. Accounts come from two tables
(local `accounts`, remote `remote_actors`), so a remote actor's id is offset by REMOTE_BASE:
local account 7 is "7", remote actor 7 is "1000000000000007". Ids are parsed strictly: anything
else is "not found", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from node.api.errors import not_found
from node.domain.numbers import whole_number

REMOTE_BASE: Final = 10**15
MAX_ID: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Which account an API id names: a local one or a remote actor (exactly one is set)."""

    local: int | None = None
    remote: int | None = None


def local_account_id(account_id: int) -> str:
    return str(account_id)


def remote_account_id(actor_id: int) -> str:
    return str(REMOTE_BASE + actor_id)


def parse_row_id(text: str | None) -> int | None:
    """A status, notification or media id, or None for anything that cannot be one."""
    if text is None or text != text.strip():
        return None
    value = whole_number(text, maximum=MAX_ID)
    return value if value else None


def parse_account_id(text: str | None) -> AccountRef | None:
    value = parse_row_id(text)
    if value is None:
        return None
    if value > REMOTE_BASE:
        return AccountRef(remote=value - REMOTE_BASE)
    return AccountRef(local=value)


def path_row_id(request: web.Request) -> int:
    """The row id in the URL's `{id}`; 404 when it cannot be one (never a 500)."""
    found = parse_row_id(request.match_info["id"])
    if found is None:
        raise not_found()
    return found
