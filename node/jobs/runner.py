"""The worker loop: drain every queue, then sleep until a NOTIFY or the poll interval.

Queues are tables (STYLE.md "Queues are rows"), so any number of worker processes can run. Each
queue is a `Queue`: a name (also its NOTIFY channel) and a `run_once` that processes a batch and
says how many rows it handled. A queue with `every` is a sweep: it runs when that long has
passed since it last found nothing to do, and again at once while it keeps finding work.
node.jobs.queues lists them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

POLL_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    run_once: Callable[[], Awaitable[int]]
    every: float | None = None  # seconds between sweeps; None: whenever there is work


class WorkerRunner:
    def __init__(self, queues: Sequence[Queue], poll_interval: float = POLL_INTERVAL) -> None:
        self.queues = list(queues)
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._next_sweep: dict[str, float] = {}  # monotonic time a sweep is next due

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
        if queue.every is not None and time.monotonic() < self._next_sweep.get(queue.name, 0.0):
            return 0
        # The job boundary: a failing batch is logged and retried on the next round; the rows
        # themselves record their errors (each queue's run_once does that).
        try:
            handled = await queue.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("queue %s failed a batch", queue.name)
            handled = 0
        if queue.every is not None and handled == 0:
            self._next_sweep[queue.name] = time.monotonic() + queue.every
        return handled
