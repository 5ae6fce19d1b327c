"""RFC 9421 (HTTP Message Signatures) plumbing for `federation.signatures`.

A private helper: it wraps the `http-message-signatures` package and applies the coverage rules
Mastodon requires of RFC 9421 requests (docs.joinmastodon.org/spec/security, "HTTP Message
Signatures"). Problems come back as reason strings; `signatures` turns them into `Rejected`.
The time window is not checked here: `signatures` applies one window to both schemes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

import http_sf
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import RSA_V1_5_SHA256

ALGORITHM = "rsa-v1_5-sha256"
LABEL = "sig1"


@dataclass(slots=True)
class Message:
    """The request shape the library reads; `method` upper-case, `url` absolute."""

    method: str
    url: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """The one signature named in `Signature-Input`: covered components and parameters."""

    components: frozenset[str]
    params: Mapping[str, Any]


def sign(
    message: Message,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    created: datetime,
    components: Sequence[str],
    body: bytes | None,
) -> None:
    """Add Content-Digest (when there is a body), Signature-Input and Signature in place."""
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: private_key})
    signer = HTTPMessageSigner(signature_algorithm=RSA_V1_5_SHA256, key_resolver=resolver)
    has_digest = any(name.lower() == "content-digest" for name in message.headers)
    signer.sign(
        message,
        key_id=key_id,
        created=created,
        label=LABEL,
        covered_component_ids=components,
        body=body,
        # Reuse (and check against the body) a Content-Digest the caller already set.
        use_existing_digest=body is not None or has_digest,
    )


def parse_input(value: str) -> SignatureInput | str:
    """Parse `Signature-Input`; exactly one signature, as Mastodon requires."""
    try:
        parsed = cast(dict[str, Any], http_sf.parse(value.encode("ascii"), tltype="dictionary"))
    except (ValueError, TypeError, UnicodeEncodeError):
        return "malformed Signature-Input header"
    if len(parsed) != 1:
        return f"expected exactly one RFC 9421 signature, found {len(parsed)}"
    members, params = next(iter(parsed.values()))
    if not isinstance(members, list):
        return "Signature-Input member is not an inner list"
    # Coverage counts plain components only: `"@query-param";name="a"` does not cover `@query`.
    names = frozenset(
        str(name) for name, item_params in members if not item_params or name == "content-digest"
    )
    return SignatureInput(names, dict(params))


@dataclass(frozen=True, slots=True)
class Checked:
    """What the key-independent checks learnt: who signed, and when (epoch seconds)."""

    key_id: str
    created: int
    expires: int | None
    components: frozenset[str]


def precheck(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Checked | str:
    """Check everything but the time window, the digest and the signature itself.
    `headers` has lower-case names."""
    parsed = parse_input(headers["signature-input"])
    if isinstance(parsed, str):
        return parsed
    signer = key_id(parsed.params)
    if signer is None:
        return "RFC 9421 signature has no keyid"
    if "signature" not in headers:
        return "Signature-Input without a Signature header"
    problem = _check_params(parsed.params) or check_coverage(method, url, parsed.components, body)
    if problem is not None:
        return problem
    params = parsed.params
    return Checked(signer, params["created"], params.get("expires"), parsed.components)


def key_id(params: Mapping[str, Any]) -> str | None:
    value = params.get("keyid")
    return value if isinstance(value, str) and value else None


def _check_params(params: Mapping[str, Any]) -> str | None:
    """`alg`, when given, must be RSASSA-PKCS1-v1_5-SHA256; `created` is required."""
    alg = params.get("alg")
    if alg is not None and alg != ALGORITHM:
        return f"unsupported RFC 9421 algorithm {alg!r}"
    if type(params.get("created")) is not int:
        return "RFC 9421 signature has no integer created parameter"
    if "expires" in params and type(params["expires"]) is not int:
        return "RFC 9421 expires parameter is not an integer"
    return None


def check_coverage(method: str, url: str, components: frozenset[str], body: bytes) -> str | None:
    """Mastodon: `@method` and `@target-uri` covered, and a covered Content-Digest on bodies.
    `@authority` + `@path` (+ `@query` when there is one) is accepted in place of `@target-uri`.
    """
    if "@method" not in components:
        return "@method is not covered"
    if "@target-uri" not in components:
        path_covered = {"@authority", "@path"} <= components
        if not path_covered or (urlsplit(url).query and "@query" not in components):
            return "neither @target-uri nor @authority with @path (and @query) is covered"
    if (body or method == "POST") and "content-digest" not in components:
        return "content-digest is not covered on a request with a body"
    return None


def check_content_digest(value: str | None, body: bytes, components: frozenset[str]) -> str | None:
    """RFC 9530 Content-Digest (sha-256 or sha-512) must match the body when covered."""
    if "content-digest" not in components:
        return None
    if value is None:
        return "content-digest is covered but the Content-Digest header is missing"
    try:
        ContentDigest.verify(value, body)
    except HTTPMessageSignaturesException:
        return "Content-Digest does not match the body"
    return None


def verify(message: Message, key_id: str, public_key: rsa.RSAPublicKey, body: bytes) -> bool:
    """Check the signature itself (and the covered digest) with a key already resolved."""
    verifier = _Verifier(
        signature_algorithm=RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={key_id: public_key}, private_keys={}),
    )
    try:
        verifier.verify(message, max_age=None, body=body)
    except HTTPMessageSignaturesException:
        return False
    return True


class _Verifier(HTTPMessageVerifier):
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        # The library compares with its own clock and 5 s of skew; `signatures` has already
        # checked the window against the caller's `now` with Mastodon's rules.
        return None
