"""Build a node's app for a test: real settings, a real database, served on loopback."""

from __future__ import annotations

import secrets
from pathlib import Path

from node.settings import Settings


def node_settings(database_url: str, data_dir: Path, port: int = 8080) -> Settings:
    return Settings(
        listen_host="127.0.0.1",
        listen_port=port,
        public_url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        smtp_url=None,
        federation_loopback=True,
    )
