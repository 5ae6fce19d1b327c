"""The instance actor's key pair: made once, on first use."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.pool import Conn


@dataclass(frozen=True, slots=True)
class InstanceKeys:
    private_key_pem: str
    public_key_pem: str


async def get_instance_keys(conn: Conn) -> InstanceKeys | None:
    row = await conn.fetchrow("SELECT private_key_pem, public_key_pem FROM instance_keys")
    return InstanceKeys(row["private_key_pem"], row["public_key_pem"]) if row else None


async def insert_instance_keys(conn: Conn, keys: InstanceKeys) -> InstanceKeys:
    """Insert unless another process won the race; return whichever pair is stored."""
    await conn.execute(
        "INSERT INTO instance_keys (id, private_key_pem, public_key_pem) VALUES (1, $1, $2) "
        "ON CONFLICT (id) DO NOTHING",
        keys.private_key_pem, keys.public_key_pem,
    )  # fmt: skip
    stored = await get_instance_keys(conn)
    assert stored is not None
    return stored
