"""Fixtures that run one, two or three nodes on loopback for flow and interop tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.federation import FlowNode, running_node


@pytest.fixture
async def node(databases: TestDatabases, tmp_path: Path) -> AsyncIterator[FlowNode]:
    async with running_node(databases, tmp_path / "a", free_port()) as a:
        yield a


@pytest.fixture
async def pair(
    databases: TestDatabases, tmp_path: Path
) -> AsyncIterator[tuple[FlowNode, FlowNode]]:
    async with (
        running_node(databases, tmp_path / "a", free_port()) as a,
        running_node(databases, tmp_path / "b", free_port()) as b,
    ):
        yield a, b


@pytest.fixture
async def trio(
    databases: TestDatabases, tmp_path: Path
) -> AsyncIterator[tuple[FlowNode, FlowNode, FlowNode]]:
    async with (
        running_node(databases, tmp_path / "a", free_port()) as a,
        running_node(databases, tmp_path / "b", free_port()) as b,
        running_node(databases, tmp_path / "c", free_port()) as c,
    ):
        yield a, b, c
