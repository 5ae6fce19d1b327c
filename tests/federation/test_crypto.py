"""federation.crypto: RSA key generation and PEM load/dump."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding

from federation.crypto import (
    KeyFormatError,
    KeyPair,
    dump_public_key,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    public_pem_from_private,
)


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return generate_rsa_keypair()


def test_generated_pair_is_rsa_2048_in_pkcs8_and_spki_pem(pair: KeyPair) -> None:
    assert pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert load_private_key(pair.private_pem).key_size == 2048
    assert load_public_key(pair.public_pem).key_size == 2048


def test_two_generated_pairs_differ(pair: KeyPair) -> None:
    assert generate_rsa_keypair().public_pem != pair.public_pem


def test_public_half_matches_private_key(pair: KeyPair) -> None:
    # Given a signature made with the private key
    message = b"hello"
    signature = load_private_key(pair.private_pem).sign(
        message, padding.PKCS1v15(), hashes.SHA256()
    )
    # Then the public key verifies it, and a changed message fails
    public = load_public_key(pair.public_pem)
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"hellO", padding.PKCS1v15(), hashes.SHA256())
    assert public_pem_from_private(pair.private_pem) == pair.public_pem


def test_dump_then_load_round_trips(pair: KeyPair) -> None:
    public = load_public_key(pair.public_pem)
    assert dump_public_key(public) == pair.public_pem


def test_repr_hides_the_private_key(pair: KeyPair) -> None:
    body_line = pair.private_pem.splitlines()[1]
    assert body_line not in repr(pair)
    assert "public_pem" in repr(pair)


def test_pkcs1_public_key_and_crlf_pem_are_accepted(pair: KeyPair) -> None:
    pkcs1 = (
        load_public_key(pair.public_pem)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert dump_public_key(load_public_key(pkcs1)) == pair.public_pem
    crlf = "  " + pair.public_pem.replace("\n", "\r\n") + "\n"
    assert dump_public_key(load_public_key(crlf)) == pair.public_pem


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAé\n-----END PUBLIC KEY-----",
    ],
)
def test_garbage_public_pem_raises_key_format_error(pem: str) -> None:
    with pytest.raises(KeyFormatError):
        load_public_key(pem)


def test_key_format_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="PEM"):
        load_private_key("garbage")


def test_public_pem_is_not_a_private_key(pair: KeyPair) -> None:
    with pytest.raises(KeyFormatError, match="private key"):
        load_private_key(pair.public_pem)


def test_private_pem_is_not_a_public_key(pair: KeyPair) -> None:
    with pytest.raises(KeyFormatError, match="public key"):
        load_public_key(pair.private_pem)


def test_non_rsa_keys_are_refused() -> None:
    ec_public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    ed_private = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(KeyFormatError, match="expected an RSA public key"):
        load_public_key(ec_public)
    with pytest.raises(KeyFormatError, match="expected an RSA private key"):
        load_private_key(ed_private)
