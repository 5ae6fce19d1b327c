"""The worker loop: drain every queue, then sleep until a NOTIFY or the poll interval.

Queues are tables (STYLE.md "Queues are rows"), so any number of worker processes can run. Each
queue is a `Queue`: a name (also its NOTIFY channel) and a `run_once` that processes a batch and
says how many rows it handled. Later issues register the inbox and delivery queues here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

POLL_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    run_once: Callable[[], Awaitable[int]]


class WorkerRunner:
    def __init__(self, queues: Sequence[Queue], poll_interval: float = POLL_INTERVAL) -> None:
        self.queues = list(queues)
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called on NOTIFY: work arrived, stop sleeping."""
        self._wake.set()

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Process until every queue reports nothing to do; tests drain queues with this."""
        total = 0
        for _ in range(max_rounds):
            handled = 0
            for queue in self.queues:
                handled += await self._run_queue(queue)
            total += handled
            if handled == 0:
                return total
        return total

    async def run_forever(self) -> None:
        log.info("worker started with queues: %s", ", ".join(q.name for q in self.queues) or "none")
        while True:
            await self.run_until_idle()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)

    async def _run_queue(self, queue: Queue) -> int:
        # The job boundary: a failing batch is logged and retried on the next round; the rows
        # themselves record their errors (each queue's run_once does that).
        try:
            return await queue.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("queue %s failed a batch", queue.name)
            return 0
