"""The connection pool and the transaction boundary that services own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# What storage functions take: a plain connection or one borrowed from the pool.
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message says why."""


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int
    idle: int
    max_size: int


class Database:
    """One asyncpg pool. Services open transactions; storage functions take the connection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 10) -> Database:
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                timeout=10,
                command_timeout=60,
                reset=_no_reset,
            )
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            raise DatabaseUnavailable(describe_error(error)) from None
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Conn]:
        async with self._pool.acquire() as conn:
            yield conn

    @asynccontextmanager
    async def listen(
        self, channels: list[str], on_notify: Callable[[], None]
    ) -> AsyncIterator[None]:
        """LISTEN on `channels` over a dedicated connection; call `on_notify` on each NOTIFY."""

        def handler(*_args: object) -> None:
            on_notify()

        async with self._pool.acquire() as conn:
            for channel in channels:
                await conn.add_listener(channel, handler)
            try:
                yield
            finally:
                for channel in channels:
                    await conn.remove_listener(channel, handler)

    def stats(self) -> PoolStats:
        return PoolStats(
            size=self._pool.get_size(),
            idle=self._pool.get_idle_size(),
            max_size=self._pool.get_max_size(),
        )

    async def ping(self, timeout: float = 2.0) -> None:
        """Raise DatabaseUnavailable unless a trivial query answers within `timeout`."""
        try:
            async with self._pool.acquire(timeout=timeout) as conn:
                await conn.fetchval("SELECT 1", timeout=timeout)
        except Exception as error:
            # A connection killed under the pool can fail in odd ways (asyncpg's
            # InternalClientError, protocol states); all of them mean the database is not usable.
            raise DatabaseUnavailable(describe_error(error)) from None


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on every release (advisory unlock, CLOSE ALL, UNLISTEN,
    RESET ALL): nothing here leaves session state behind — migrate unlocks its advisory lock
    itself, listeners are removed (UNLISTEN) when Database.listen ends, and no code uses SET or
    cursors across a release. It was 2 of 7 round trips per inbox POST (bench/inbox_ingest.py)."""
    del conn


async def check_reachable(dsn: str, timeout: float = 5.0) -> None:
    """Connect once, or raise DatabaseUnavailable naming the reason."""
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout)
    except (OSError, asyncpg.PostgresError, TimeoutError, ValueError) as error:
        raise DatabaseUnavailable(describe_error(error)) from None
    await conn.close()


def describe_error(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
