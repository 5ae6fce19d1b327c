"""Fixtures that start Fedify peers (see fedify_peer.py and README.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.interop.fedify_peer import FedifyPeer, require_peer
from tests.support.flow_fixtures import node, pair, trio  # noqa: F401 - fixtures


@pytest.fixture
def fedify_peer_factory() -> Iterator[Callable[..., FedifyPeer]]:
    """Start any number of peers (FedifyPeer(**kwargs).start()); all stop after the test.

    Skips when the peer is not installed, fails instead under CI=true."""
    require_peer()
    peers: list[FedifyPeer] = []

    def start(actor: str = "alice", **kwargs: str) -> FedifyPeer:
        peer = FedifyPeer(actor, **kwargs)
        peers.append(peer)
        return peer.start()

    yield start
    for peer in peers:
        peer.stop()


@pytest.fixture
def fedify_peer(fedify_peer_factory: Callable[..., FedifyPeer]) -> FedifyPeer:
    """One started peer with the actor alice."""
    return fedify_peer_factory()
