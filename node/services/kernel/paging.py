"""Pages of people and their cursors, shared by every context that lists people a page at a
time (followers, following, who liked or boosted a post)."""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.accounts import Account
from node.storage.actors.remote_actors import RemoteActor
from node.storage.keyset import Cursor

__all__ = ["Cursor", "PeoplePage"]


@dataclass(frozen=True, slots=True)
class PeoplePage:
    people: list[Account | RemoteActor]
    cursors: list[int]  # the rows' ids, newest first: where the next page starts
