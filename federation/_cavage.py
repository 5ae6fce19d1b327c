"""Draft-cavage-12 pieces: the Signature header, Mastodon's strength rules, Digest, and the
signing string. Problems come back as strings; `federation.signatures` wraps them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping

_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([0-9]+(?:\.[0-9]+)?))\s*(?:,|$)')


def parse_header(value: str) -> dict[str, str] | str:
    text = value.strip()
    # Old node-http-signature clients send "Signature keyId=..."; Mastodon tolerates it.
    if text[:10].lower() == "signature ":
        text = text[10:].lstrip()
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            return "malformed Signature header"
        name = match.group(1).lower()
        if name in params:
            return f"Signature repeats the {name!r} parameter"
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
    return params


def check_strength(method: str, signed: list[str]) -> str | None:
    # Mastodon verify_signature_strength! (signature_verification.rb), same order and rules.
    if "date" not in signed and "(created)" not in signed:
        return "neither date nor (created) is signed"
    if "(request-target)" not in signed and "digest" not in signed:
        return "neither (request-target) nor digest is signed"
    if method == "GET" and "host" not in signed:
        return "host is not signed on a GET request"
    if method == "POST" and "digest" not in signed:
        return "digest is not signed on a POST request"
    return None


def check_digest(value: str | None, body: bytes) -> str | None:
    # Mastodon verify_body_digest!: only SHA-256 counts; other algorithms may sit beside it.
    if value is None:
        return "digest is signed but the Digest header is missing"
    offered: dict[str, str] = {}
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if sep:
            offered[name.strip().lower()] = encoded.strip()
    if "sha-256" not in offered:
        return f"Digest has no SHA-256 (offered: {', '.join(sorted(offered)) or 'none'})"
    try:
        claimed = base64.b64decode(offered["sha-256"], validate=True)
    except binascii.Error:
        return "Digest SHA-256 value is not valid base64"
    if not hmac.compare_digest(claimed, hashlib.sha256(body).digest()):
        return "Digest does not match the body"
    return None


def signing_string(
    names: list[str], target: str, params: Mapping[str, str], h: Mapping[str, str]
) -> bytes | str:
    # draft-cavage-http-signatures-12 §2.3: "name: value" lines in the signed order.
    lines = []
    for name in names:
        if name == "(request-target)":
            value = target
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1], "")
        elif name in h:
            value = h[name].strip()
        else:
            return f"signed header {name!r} is missing from the request"
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")
