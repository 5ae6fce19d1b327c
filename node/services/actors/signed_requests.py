"""Who signed a request to us that is not an inbox POST: a signed GET ("authorized fetch")
identifies the viewer of a post that is not public."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from federation.signatures import Rejected as SignatureRejected
from federation.signatures import Verified, parse_signed_request, verify_signed_request
from node.services.actors import directory
from node.services.kernel.context import NodeContext


@dataclass(frozen=True, slots=True)
class BadSignature:
    """A signature is there but does not verify: answer 401 (peers then refetch their key)."""

    reason: str


async def signer_of_get(
    ctx: NodeContext, method: str, url: str, headers: Mapping[str, str]
) -> str | BadSignature | None:
    """The key owner's actor id, None when the request is unsigned, or BadSignature."""
    signed = parse_signed_request(method, url, headers, None)
    if isinstance(signed, SignatureRejected) and not _has_signature(headers):
        return None
    if isinstance(signed, SignatureRejected):
        return BadSignature(signed.reason)
    for refresh in (False, True):  # refetch once on failure: the key may have rotated
        key = await directory.resolve_key(ctx, signed.key_id, refresh)
        if key is not None and isinstance(
            verify_signed_request(signed, key.public_key_pem), Verified
        ):
            return key.owner
    return BadSignature("signature does not verify")


def _has_signature(headers: Mapping[str, str]) -> bool:
    return any(name.lower() in {"signature", "signature-input"} for name in headers)
