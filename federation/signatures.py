"""HTTP signatures on ActivityPub requests: draft-cavage-12 and RFC 9421, sign and verify.

Draft-cavage is written here on `cryptography` (no maintained Python library gets it right:
little-boxes has no signatures, bovine pins an old cryptography and mis-verifies signed GETs with
a query string). RFC 9421 uses the `http-message-signatures` package, whose key resolvers are
synchronous, so verification is split in two: `parse_signed_request()` runs every check that
needs no key and yields the `keyId`; the caller fetches the key asynchronously; then
`verify_signed_request()` checks the signature with it. `verify_request()` does both at once.

The rules copy what Mastodon enforces (interop brief §4.2, Mastodon
`app/controllers/concerns/signature_verification.rb`): `date` or `(created)` must be signed,
`(request-target)` or `digest` must be signed, GET must sign `host`, POST must sign `digest`,
and the signature is good from 1 h before `created` until 1 h after its expiry (65 min for a
plain `Date`). Failures are values (`Rejected(reason)`), never exceptions. Nothing here logs
keys or signature headers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from federation import _cavage, _rfc9421
from federation.crypto import KeyFormatError, load_private_key, load_public_key
from federation.vocab import host_of

Scheme = Literal["cavage", "rfc9421"]

# Mastodon signature_verification.rb: EXPIRATION_WINDOW_LIMIT and the 5-minute default expiry.
_DEFAULT_EXPIRY = timedelta(minutes=5)
_EXPIRY_CAP = timedelta(hours=12)
_CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key and the `keyId` (`<actor>#main-key`) peers fetch to verify it."""

    key_id: str
    private_key_pem: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Verified:
    key_id: str
    scheme: Scheme


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A signed request that passed every check needing no key; verify it with the key of
    `key_id`. `signing_strings` (cavage) holds the candidates tried in order; `message` and
    `body` (RFC 9421) are handed to the library."""

    key_id: str
    scheme: Scheme
    signature: bytes = field(repr=False, default=b"")
    signing_strings: tuple[bytes, ...] = field(repr=False, default=())
    message: _rfc9421.Message | None = field(repr=False, default=None)
    body: bytes = field(repr=False, default=b"")


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key: SigningKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign with draft-cavage rsa-sha256; return every header to send.

    Signs `(request-target) host date` plus `digest` when there is a body (always on POST) and
    `content-type` when present, the set Mastodon sends (`app/lib/request.rb`).
    """
    out = _base_headers(url, headers, _utc(now))
    names = ["(request-target)", "host", "date"]
    payload = body if body is not None or method.upper() != "POST" else b""
    if payload is not None:
        _set_header(out, "Digest", "SHA-256=" + _b64(hashlib.sha256(payload).digest()))
        names.append("digest")
    if "content-type" in _lower(out):
        names.append("content-type")
    if '"' in key.key_id:
        raise ValueError("keyId must not contain a double quote")
    string = _cavage.signing_string(names, _request_target(method, urlsplit(url)), {}, _lower(out))
    assert isinstance(string, bytes)  # every signed header was set just above
    raw = load_private_key(key.private_key_pem).sign(string, padding.PKCS1v15(), hashes.SHA256())
    _set_header(
        out,
        "Signature",
        f'keyId="{key.key_id}",algorithm="rsa-sha256",'
        f'headers="{" ".join(names)}",signature="{_b64(raw)}"',
    )
    return out


def sign_request_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key: SigningKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign with RFC 9421 (`sig1`, rsa-v1_5-sha256, `created`, `keyid`); return all headers.

    Covers `@method @target-uri @authority host date` (Fedify's default set), `content-type`
    when present, and a SHA-256 `Content-Digest` on bodies (always on POST), which Mastodon
    requires (docs.joinmastodon.org/spec/security).
    """
    when = _utc(now)
    out = _base_headers(url, headers, when)
    components = ["@method", "@target-uri", "@authority", "host", "date"]
    if "content-type" in _lower(out):
        components.append("content-type")
    payload = body if body is not None or method.upper() != "POST" else b""
    private_key = load_private_key(key.private_key_pem)
    message = _rfc9421.Message(method.upper(), url, out)
    _rfc9421.sign(message, key.key_id, private_key, when, components, payload)
    return out


def signature_key_id(headers: Mapping[str, str]) -> str | Rejected:
    """The keyId of whichever scheme signed the request (`Signature-Input` means RFC 9421)."""
    h = _lower(headers)
    if "signature-input" in h:
        parsed = _rfc9421.parse_input(h["signature-input"])
        if isinstance(parsed, str):
            return Rejected(parsed)
        return _rfc9421.key_id(parsed.params) or Rejected("RFC 9421 signature has no keyid")
    if "signature" not in h:
        return Rejected("request is not signed (no Signature header)")
    params = _cavage.parse_header(h["signature"])
    if isinstance(params, str):
        return Rejected(params)
    return params.get("keyid") or Rejected("Signature has no keyId")


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> Verified | Rejected:
    """Verify a request's signature (either scheme) with a known public key.

    `url` is the full URL as the server sees it (scheme://host[:port]/path?query), with the
    path and query exactly as received (not re-encoded).
    """
    signed = parse_signed_request(method, url, headers, body, now=now, max_skew=max_skew)
    if isinstance(signed, Rejected):
        return signed
    return verify_signed_request(signed, public_key_pem)


def parse_signed_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> SignedRequest | Rejected:
    """Run every check that needs no key, in the inbox's order (FEDERATION.md): signature
    headers present and well-formed, required parts signed, time window, body digest."""
    h = _lower(headers)
    payload = body if body is not None else b""
    when = _utc(now)
    if "signature-input" in h:
        return _parse_rfc9421(method.upper(), url, h, payload, when, max_skew)
    if "signature" in h:
        return _parse_cavage_request(method.upper(), url, h, payload, when, max_skew)
    return Rejected("request is not signed (no Signature header)")


def verify_signed_request(signed: SignedRequest, public_key_pem: str) -> Verified | Rejected:
    """Check the signature of a parsed request against a public key."""
    try:
        key = load_public_key(public_key_pem)
    except KeyFormatError as exc:
        return Rejected(f"public key is unusable: {exc}")
    if signed.scheme == "rfc9421":
        assert signed.message is not None
        if not _rfc9421.verify(signed.message, signed.key_id, key, signed.body):
            return Rejected("RFC 9421 signature does not verify")
        return Verified(signed.key_id, "rfc9421")
    for candidate in signed.signing_strings:
        try:
            key.verify(signed.signature, candidate, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return Verified(signed.key_id, "cavage")
    return Rejected("signature does not verify")


def _parse_cavage_request(
    method: str, url: str, h: dict[str, str], body: bytes, now: datetime, max_skew: timedelta
) -> SignedRequest | Rejected:
    params = _cavage.parse_header(h["signature"])
    if isinstance(params, str):
        return Rejected(params)
    key_id, encoded = params.get("keyid"), params.get("signature")
    if not key_id:
        return Rejected("Signature has no keyId")
    if not encoded:
        return Rejected("Signature has no signature parameter")
    # Mastodon: a missing algorithm means hs2019, whose default header list is "(created)".
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in _CAVAGE_ALGORITHMS:
        return Rejected(f"unsupported signature algorithm {algorithm!r}")
    signed = params.get("headers", "(created)" if algorithm == "hs2019" else "date").lower().split()
    # Mastodon's order: strength, then the time window, then the digest (FEDERATION.md).
    problem = _cavage.check_strength(method, signed) or _foreign_host(url, h, signed)
    if problem is not None:
        return Rejected(problem)
    too_old = _check_cavage_window(params, signed, h, now, max_skew)
    if too_old is not None:
        return too_old
    digest_problem = _cavage.check_digest(h.get("digest"), body) if "digest" in signed else None
    if digest_problem is not None:
        return Rejected(digest_problem)
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return Rejected("signature is not valid base64")
    parts = urlsplit(url)
    targets = [_request_target(method, parts)]
    if parts.query:
        # GoToSocial verifies with and without the query (docs/federation/http_signatures.md);
        # Fedify 1.x and older Mastodon sign the path only.
        targets.append(_request_target(method, parts._replace(query="")))
    strings: list[bytes] = []
    for target in targets:
        string = _cavage.signing_string(signed, target, params, h)
        if isinstance(string, str):
            return Rejected(string)
        strings.append(string)
    return SignedRequest(key_id, "cavage", signature=signature, signing_strings=tuple(strings))


def _check_cavage_window(
    params: dict[str, str], signed: list[str], h: dict[str, str], now: datetime, skew: timedelta
) -> Rejected | None:
    # Unlike Mastodon, trust created/expires only when signed: an unsigned `created` would let
    # a replayed request pick its own timestamp.
    if "(created)" in signed:
        created = _epoch(params.get("created"))
        if created is None:
            return Rejected("(created) is signed but the created parameter is missing or bad")
    else:
        created = _http_date(h.get("date"))
        if created is None:
            return Rejected("Date header is missing or unparseable")
    expires = None
    if "(expires)" in signed:
        expires = _epoch(params.get("expires"))
        if expires is None:
            return Rejected("(expires) is signed but the expires parameter is missing or bad")
    return _check_window(created, expires, now, skew)


def _parse_rfc9421(
    method: str, url: str, h: dict[str, str], body: bytes, now: datetime, max_skew: timedelta
) -> SignedRequest | Rejected:
    checked = _rfc9421.precheck(method, url, h, body)
    if isinstance(checked, str):
        return Rejected(checked)
    foreign = _foreign_host(url, h, checked.components)
    if foreign is not None:
        return Rejected(foreign)
    created, expires = _epoch(checked.created), _epoch(checked.expires)
    if created is None or (checked.expires is not None and expires is None):
        return Rejected("RFC 9421 created/expires is out of range")
    late = _check_window(created, expires, now, max_skew)
    if late is not None:
        return late
    problem = _rfc9421.check_content_digest(h.get("content-digest"), body, checked.components)
    if problem is not None:
        return Rejected(problem)
    message = _rfc9421.Message(method, url, dict(h))
    return SignedRequest(checked.key_id, "rfc9421", message=message, body=body)


def _foreign_host(url: str, h: Mapping[str, str], signed: Collection[str]) -> str | None:
    """A request whose signed Host names another server: whoever received it there could
    replay it here within the window, so it is not ours to accept."""
    if "host" not in signed:
        return None
    sent = h.get("host", "")
    if host_of(f"{urlsplit(url).scheme}://{sent}") != host_of(url):
        return f"the signed Host {sent[:100]!r} is not this server"
    return None


def _check_window(
    created: datetime, expires: datetime | None, now: datetime, skew: timedelta
) -> Rejected | None:
    # Mastodon matches_time_window?: expiry defaults to created + 5 min, capped at created + 12 h;
    # `skew` (1 h) is allowed on both ends, so a plain Date lives about 65 minutes.
    expiry = min(expires or created + _DEFAULT_EXPIRY, created + _EXPIRY_CAP)
    if created > now + skew:
        return Rejected("signature was created too far in the future")
    if now > expiry + skew:
        return Rejected("signature has expired (outside the time window)")
    return None


def _base_headers(url: str, headers: Mapping[str, str], now: datetime) -> dict[str, str]:
    out = dict(headers)
    _set_header(out, "Host", _authority(urlsplit(url)))
    _set_header(out, "Date", format_datetime(now, usegmt=True))
    return out


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    for existing in [k for k in headers if k.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value


def _authority(parts: SplitResult) -> str:
    hostport = parts.netloc.rpartition("@")[2].lower()
    if parts.port is not None and parts.port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        hostport = hostport[: hostport.rfind(":")]
    return hostport


def _request_target(method: str, parts: SplitResult) -> str:
    query = f"?{parts.query}" if parts.query else ""
    return f"{method.lower()} {parts.path or '/'}{query}"


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _epoch(value: str | int | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC) if value is not None else None
    except (ValueError, OverflowError, OSError):
        return None


def _http_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return _utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
