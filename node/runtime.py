"""What every command does before it works: settings, the database (embedded or not), migrations."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from node.errors import ConfigError
from node.paths import migrations_dir
from node.settings import Settings, ensure_data_dir
from node.storage.embedded import ClusterPaths, EmbeddedPostgres
from node.storage.migrate import migrate
from node.storage.pool import Database, DatabaseUnavailable, check_reachable


@contextmanager
def database_for(settings: Settings) -> Iterator[Settings]:
    """Yield settings whose database_url is usable: DATABASE_URL, or the embedded cluster.

    The embedded server is started if none runs for this data dir, and stopped on exit only if
    this process started it.
    """
    if settings.database_url:
        _check_database_url(settings.database_url)
        yield settings
        return
    ensure_data_dir(settings.data_dir)
    server = EmbeddedPostgres(settings.data_dir)
    server.start()
    try:
        yield replace(settings, database_url=server.dsn)
    finally:
        server.stop()


def embedded_dsn(settings: Settings) -> str:
    return settings.database_url or ClusterPaths.under(settings.data_dir).dsn()


def _check_database_url(dsn: str) -> None:
    try:
        asyncio.run(check_reachable(dsn))
    except DatabaseUnavailable as error:
        raise ConfigError(f"cannot reach the database at {redact(dsn)}: {error}") from None


def redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {host} is already in use") from None
            raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None


async def apply_migrations(database_url: str) -> list[str]:
    db = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        async with db.connection() as conn:
            return await migrate(conn, migrations_dir())
    finally:
        await db.close()
