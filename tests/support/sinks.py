"""Remote inboxes whose answers a test controls, and waits on them without fixed sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable


class HeldInboxes:
    """Stands in for many remote inboxes (one per name).

    Every request is counted in `arrived` the moment it arrives. The first `answer_first` are
    answered at once; later ones are held (`waiting`, by name) until `release()`,
    after which everything is answered at once. `answered` counts the requests let through.
    A test waits for a state with `wait_for`: a condition with a deadline, woken on every
    change, so what it reads afterwards is what the sink saw at that moment.
    """

    def __init__(self, answer_first: int = 0) -> None:
        self.arrived: Counter[str] = Counter()
        self.waiting: Counter[str] = Counter()
        self.answered = 0
        self._answer_first = answer_first
        self._open = asyncio.Event()
        self._changed = asyncio.Condition()

    @property
    def total(self) -> int:
        return self.arrived.total()

    @property
    def held(self) -> int:
        return self.waiting.total()

    async def receive(self, name: str) -> None:
        """Count one request for inbox `name`; return when it may be answered."""
        async with self._changed:
            self.arrived[name] += 1
            hold = not self._open.is_set() and self.total > self._answer_first
            self.waiting[name] += hold
            self._changed.notify_all()
        try:
            if hold:
                await self._open.wait()
        finally:
            async with self._changed:
                self.waiting[name] -= hold
                self.answered += 1
                self._changed.notify_all()

    def release(self) -> None:
        """Answer the held requests, and every later one at once."""
        self._open.set()

    async def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Until `predicate()` holds (checked on every change), or AssertionError naming `what`."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"timed out after {timeout:g} s waiting for {what}: {self.total} arrived, "
                    f"{self.held} held, {self.answered} answered"
                ) from None
