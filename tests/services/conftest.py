"""Use-case tests: services on a real PostgreSQL, without HTTP. Nothing here listens; the node's
address is a closed port on loopback, so a fetch that a test did not expect fails at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.domain.urls import Urls
from node.infra.media_store import LocalMediaStore
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database

BASE = "http://127.0.0.1:9"


@pytest.fixture
async def ctx(db: Database, tmp_path: Path) -> AsyncIterator[NodeContext]:
    http = federation_client(BASE, loopback=True)
    await http.open()
    try:
        yield NodeContext(
            db=db, urls=Urls(BASE), http=http, loopback=True,
            media=LocalMediaStore(tmp_path / "media", BASE),
        )  # fmt: skip
    finally:
        await http.close()
