"""Random secrets we hand out (tokens, codes, links) and what is stored for them."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    """256 random bits, URL-safe: client ids and secrets, codes, tokens, one-time links."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> bytes:
    """What is stored for a secret. Unsalted SHA-256 is right for 256-bit random values: there
    is nothing to guess, and a lookup by hash stays one indexed query. `surrogatepass`: a
    secret sent back to us may hold anything, and must hash (to nothing found), not fail."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()
