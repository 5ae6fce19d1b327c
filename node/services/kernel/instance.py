"""The instance actor: its key pair, and signers for our outbound requests."""

from __future__ import annotations

import asyncio

from federation.crypto import generate_rsa_keypair
from federation.http import Signer
from federation.signatures import SigningKey, sign_request
from node.services.kernel.context import NodeContext
from node.storage.actors import instance as store
from node.storage.actors.instance import InstanceKeys


async def instance_keys(ctx: NodeContext) -> InstanceKeys:
    async with ctx.db.connection() as conn:
        keys = await store.get_instance_keys(conn)
    if keys is not None:
        return keys
    pair = await asyncio.to_thread(generate_rsa_keypair)
    async with ctx.db.transaction() as conn:
        return await store.insert_instance_keys(
            conn, InstanceKeys(pair.private_pem, pair.public_pem)
        )


def signer_for(key: SigningKey) -> Signer:
    """A `federation.http` signer that signs with `key` (draft-cavage, FEDERATION.md)."""

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request(method, url, headers, body, key)

    return sign


async def instance_signer(ctx: NodeContext) -> Signer:
    """Every outbound GET is signed by the instance actor (interop brief §4.5)."""
    keys = await instance_keys(ctx)
    return signer_for(SigningKey(ctx.urls.instance_key_id, keys.private_key_pem))
