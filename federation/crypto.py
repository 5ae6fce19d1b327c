"""RSA key pairs for actors: generate, load and dump PEM.

Actors publish `publicKey.publicKeyPem` as an SPKI ("BEGIN PUBLIC KEY") PEM, the form Mastodon
emits (`app/serializers/activitypub/public_key_serializer.rb`) and every peer reads. Fediverse
HTTP signatures are RSASSA-PKCS1-v1_5 / SHA-256 (interop brief §4.1), so only RSA keys are
accepted: anything else is a `KeyFormatError`, never a key the verifier cannot use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "KeyFormatError",
    "KeyPair",
    "dump_private_key",
    "dump_public_key",
    "generate_rsa_keypair",
    "load_private_key",
    "load_public_key",
    "public_pem_from_private",
]

RSA_KEY_BITS = 2048
# Below this a key is too weak to trust; Mastodon and Fedify generate 2048 and 4096 bits.
_MIN_KEY_BITS = 1024
_PUBLIC_EXPONENT = 65537


class KeyFormatError(ValueError):
    """A PEM string is not a usable RSA key."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An RSA key pair as PEM text: PKCS#8 private key, SPKI public key."""

    # repr=False keeps the private key out of logs and tracebacks.
    private_pem: str = field(repr=False)
    public_pem: str


def generate_rsa_keypair() -> KeyPair:
    """Generate a fresh RSA-2048 key pair (~50-100 ms of CPU: call it off the event loop)."""
    key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
    return KeyPair(private_pem=dump_private_key(key), public_pem=dump_public_key(key.public_key()))


def dump_private_key(key: rsa.RSAPrivateKey) -> str:
    """Serialise a private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def dump_public_key(key: rsa.RSAPublicKey) -> str:
    """Serialise a public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`)."""
    return key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")


@functools.lru_cache(maxsize=4096)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key (PKCS#8 or PKCS#1 PEM).

    Cached per PEM: parsing validates the key, which costs ~26 ms of CPU against ~0.2 ms for
    the signature itself (measured in bench/fanout.py), and a fan-out signs with one key
    hundreds of times. Key objects are immutable, so sharing them is safe.
    """
    data = _pem_bytes(pem)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError(f"expected an RSA private key, got {type(key).__name__}")
    _check_size(key.key_size)
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Load an RSA public key (SPKI or PKCS#1 `BEGIN RSA PUBLIC KEY` PEM)."""
    data = _pem_bytes(pem)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError("not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFormatError(f"expected an RSA public key, got {type(key).__name__}")
    _check_size(key.key_size)
    return key


def public_pem_from_private(private_pem: str) -> str:
    """The SPKI PEM of the public half of a private key."""
    return dump_public_key(load_private_key(private_pem).public_key())


def _pem_bytes(pem: str) -> bytes:
    if not isinstance(pem, str):
        raise KeyFormatError("PEM must be a string")
    # Actor documents in the wild carry PEM with CRLF or surrounding blanks; normalise that,
    # but nothing else.
    text = pem.strip().replace("\r\n", "\n")
    if not text.startswith("-----BEGIN "):
        raise KeyFormatError("PEM must start with a -----BEGIN line")
    try:
        return text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise KeyFormatError("PEM contains non-ASCII characters") from exc


def _check_size(bits: int) -> None:
    if bits < _MIN_KEY_BITS:
        raise KeyFormatError(f"RSA key of {bits} bits is too small")
