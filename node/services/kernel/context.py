"""What federation services need besides the database: our URLs, the HTTP client, settings."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from federation.http import FederationClient
from node.domain.urls import Urls
from node.infra.media_store import MediaStore
from node.storage.pool import Database

USER_AGENT = "Commonroom/0.1 (+{base})"


@dataclass(slots=True)
class NodeContext:
    db: Database
    urls: Urls
    http: FederationClient
    # Loopback test mode: peers are addressed over http:// on private addresses.
    loopback: bool = False
    rng: random.Random = field(default_factory=random.Random)
    # Where uploaded media files go (docs/architecture.md); None in processes that never touch them.
    media: MediaStore | None = None

    @property
    def scheme(self) -> str:
        return "http" if self.loopback else "https"


def federation_client(base_url: str, *, loopback: bool) -> FederationClient:
    return FederationClient(USER_AGENT.format(base=base_url), allow_private=loopback)
