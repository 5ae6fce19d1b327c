"""What an inbound handler gets, and what it gives back (docs/architecture.md).

A handler runs in two steps. First it does what needs the network or may wait (resolve the
actor, fetch an object from its origin, fetch the missing parents of a reply), outside any
transaction. Then it returns a `Write`: the changes, which the inbox worker runs in the same
transaction that marks the activity done, so an activity is applied exactly once or not at
all. A handler that has nothing to change returns None; one that refuses the activity raises
`Rejected` (kept on the row with the reason); one for a pair we route but do not support yet
raises `Unsupported` (dropped with the reason).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from federation.parse_types import Activity
from node.services.kernel.context import NodeContext
from node.storage.pool import Conn

Write = Callable[[Conn], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Received:
    """One stored inbound activity."""

    activity: Activity  # parsed (federation.parse)
    raw: dict[str, Any]  # exactly as it arrived: a group here re-announces it unchanged
    signer: str  # the actor whose key signed the request, or whose server served the document
    # The Announce of a group elsewhere that carried this activity (FEP-1b12), if any.
    announced_by: str | None = None

    def inner(self, activity: Activity, raw: dict[str, Any]) -> Received:
        """The activity inside this one (a group's Announce): trusted no further than the
        group, which is the signer."""
        return Received(activity, raw, self.signer, announced_by=self.activity.actor)


class Rejected(Exception):
    """The activity is invalid or not allowed; it is kept with this reason and not retried."""


class Unsupported(Exception):
    """We route this kind of activity but do not act on it yet; dropped with this reason."""


Handler = Callable[[NodeContext, Received], Awaitable[Write | None]]


def writes(*steps: Write | None) -> Write | None:
    """Several writes run one after another in the one transaction (None when there are none)."""
    present = [step for step in steps if step is not None]
    if not present:
        return None

    async def run(conn: Conn) -> None:
        for step in present:
            await step(conn)

    return run
