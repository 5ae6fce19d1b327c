"""federation.signatures: draft-cavage and RFC 9421 signing and verification.

Requests are signed either by our own signer or by `cavage_signature()` below, an independent
few-line implementation of draft-cavage-12 §2.3, so the verifier is never only checked against
itself; the signatures Fedify made (tests/fixtures/signatures/) are checked at the end.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from federation.crypto import KeyPair, generate_rsa_keypair, load_private_key, load_public_key
from federation.signatures import (
    Rejected,
    SigningKey,
    Verified,
    sign_request,
    sign_request_rfc9421,
    signature_key_id,
    verify_request,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
KEY_ID = "http://127.0.0.1:8081/users/alice#main-key"
INBOX = "http://127.0.0.1:8080/users/bob/inbox"
BODY = b'{"type":"Create","actor":"http://127.0.0.1:8081/users/alice"}'
JSON_HEADERS = {"Content-Type": "application/activity+json"}


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def other_keys() -> KeyPair:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def key(keys: KeyPair) -> SigningKey:
    return SigningKey(KEY_ID, keys.private_pem)


def cavage_signature(
    keys: KeyPair,
    method: str,
    url: str,
    headers: Mapping[str, str],
    names: list[str],
    *,
    algorithm: str | None = "rsa-sha256",
    params: Mapping[str, int] | None = None,
    with_query: bool = True,
) -> str:
    """A Signature header built by hand, the way draft-cavage-12 §2.3 describes it."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if with_query and parts.query else "")
    lower = {k.lower(): v for k, v in headers.items()}
    extra = dict(params or {})
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"{name}: {method.lower()} {target}")
        elif name in ("(created)", "(expires)"):
            lines.append(f"{name}: {extra[name[1:-1]]}")
        else:
            lines.append(f"{name}: {lower[name]}")
    raw = load_private_key(keys.private_pem).sign(
        "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    fields = [f'keyId="{KEY_ID}"']
    if algorithm is not None:
        fields.append(f'algorithm="{algorithm}"')
    fields.append(f'headers="{" ".join(names)}"')
    fields += [f"{k}={v}" for k, v in extra.items()]
    fields.append(f'signature="{base64.b64encode(raw).decode()}"')
    return ",".join(fields)


def http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def hand_signed_post(
    keys: KeyPair,
    names: list[str],
    *,
    algorithm: str | None = "rsa-sha256",
    params: Mapping[str, int] | None = None,
) -> dict[str, str]:
    headers = {
        "Host": "127.0.0.1:8080",
        "Date": http_date(NOW),
        "Digest": digest(BODY),
        "Content-Type": "application/activity+json",
    }
    headers["Signature"] = cavage_signature(
        keys, "POST", INBOX, headers, names, algorithm=algorithm, params=params
    )
    return headers


# ------------------------------------------------------------------------- draft-cavage: signing


def test_signed_post_carries_host_date_digest_and_signature(key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)

    assert headers["Host"] == "127.0.0.1:8080"
    assert headers["Date"] == "Wed, 25 Nov 2026 12:00:00 GMT"
    assert headers["Digest"] == digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    assert headers["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]


def test_signed_get_signs_request_target_host_date_only(key: SigningKey) -> None:
    headers = sign_request("GET", "https://peer.example/users/bob", {}, None, key, now=NOW)

    assert headers["Host"] == "peer.example"
    assert "Digest" not in headers
    assert 'headers="(request-target) host date"' in headers["Signature"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Peer.Example:443/x", "peer.example"),
        ("http://peer.example:80/x", "peer.example"),
        ("https://peer.example:8443/x", "peer.example:8443"),
        ("http://[::1]:8080/x", "[::1]:8080"),
    ],
)
def test_host_has_port_only_when_not_default(key: SigningKey, url: str, host: str) -> None:
    assert sign_request("GET", url, {}, None, key, now=NOW)["Host"] == host


def test_caller_headers_in_other_case_are_replaced_not_duplicated(key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, {"host": "wrong", "date": "x"}, BODY, key, now=NOW)
    assert [k for k in headers if k.lower() in ("host", "date")] == ["Host", "Date"]


def test_signature_matches_an_independent_cavage_signing_string(
    keys: KeyPair, key: SigningKey
) -> None:
    # Given a POST with a query string signed by us
    url = INBOX + "?a=1&b=two"
    headers = sign_request("POST", url, JSON_HEADERS, BODY, key, now=NOW)
    # When the signing string is rebuilt by hand from draft-cavage-12 §2.3
    expected = (
        "(request-target): post /users/bob/inbox?a=1&b=two\n"
        "host: 127.0.0.1:8080\n"
        "date: Wed, 25 Nov 2026 12:00:00 GMT\n"
        f"digest: {digest(BODY)}\n"
        "content-type: application/activity+json"
    ).encode()
    raw = base64.b64decode(headers["Signature"].split('signature="')[1].rstrip('"'))
    # Then the signature is over exactly that string (raises otherwise)
    load_public_key(keys.public_pem).verify(raw, expected, padding.PKCS1v15(), hashes.SHA256())


# ----------------------------------------------------------------------- draft-cavage: verifying


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", INBOX, BODY),
        ("POST", INBOX + "?x=1", BODY),
        ("GET", "http://127.0.0.1:8080/users/bob", None),
        ("GET", "http://127.0.0.1:8080/users/bob/outbox?page=true&min_id=3", None),
    ],
)
def test_cavage_round_trip_verifies(
    keys: KeyPair, key: SigningKey, method: str, url: str, body: bytes | None
) -> None:
    headers = sign_request(method, url, JSON_HEADERS if body else {}, body, key, now=NOW)
    result = verify_request(method, url, headers, body, keys.public_pem, now=NOW)
    assert result == Verified(KEY_ID, "cavage")


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_header_names_in_any_case_verify(keys: KeyPair, key: SigningKey, case: object) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    recased = {case(k): v for k, v in headers.items()}  # type: ignore[operator]
    assert verify_request("post", INBOX, recased, BODY, keys.public_pem, now=NOW) == Verified(
        KEY_ID, "cavage"
    )


def test_mastodon_shaped_post_verifies(keys: KeyPair) -> None:
    # Given a request shaped like Mastodon 4.3's inbox POST (interop brief §4.1)
    url = "https://peer.example/users/bob/inbox"
    headers = {
        "Host": "peer.example",
        "Date": "Mon, 13 May 2024 10:51:19 GMT",
        "Digest": digest(BODY),
        "Content-Type": "application/activity+json",
        "User-Agent": "http.rb/5.2.0 (Mastodon/4.3.0; +https://mastodon.example/)",
    }
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    headers["Signature"] = cavage_signature(keys, "POST", url, headers, names)
    when = datetime(2024, 5, 13, 10, 51, 19, tzinfo=UTC)
    # Then it verifies inside the window and not two hours later
    assert verify_request("POST", url, headers, BODY, keys.public_pem, now=when) == Verified(
        KEY_ID, "cavage"
    )
    late = verify_request(
        "POST", url, headers, BODY, keys.public_pem, now=when + timedelta(hours=2)
    )
    assert isinstance(late, Rejected)


@pytest.mark.parametrize("algorithm", ["hs2019", "HS2019", None])
def test_hs2019_and_missing_algorithm_mean_rsa_sha256(keys: KeyPair, algorithm: str | None) -> None:
    names = ["(request-target)", "host", "date", "digest"]
    headers = hand_signed_post(keys, names, algorithm=algorithm)
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == Verified(
        KEY_ID, "cavage"
    )


def test_stray_signature_prefix_is_tolerated(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    headers["Signature"] = "Signature " + headers["Signature"]
    assert isinstance(
        verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW), Verified
    )


def test_signature_over_path_only_verifies_a_url_with_query(keys: KeyPair) -> None:
    # Fedify 1.x and older Mastodon leave the query out of (request-target); GoToSocial
    # accepts both, and so do we.
    url = "http://127.0.0.1:8080/users/bob/outbox?page=true"
    headers = {"Host": "127.0.0.1:8080", "Date": http_date(NOW)}
    names = ["(request-target)", "host", "date"]
    headers["Signature"] = cavage_signature(keys, "GET", url, headers, names, with_query=False)
    assert isinstance(verify_request("GET", url, headers, None, keys.public_pem, now=NOW), Verified)


def test_changed_query_fails_when_the_query_was_signed(keys: KeyPair, key: SigningKey) -> None:
    url = "http://127.0.0.1:8080/users/bob/outbox?page=1"
    headers = sign_request("GET", url, {}, None, key, now=NOW)
    result = verify_request("GET", url[:-1] + "2", headers, None, keys.public_pem, now=NOW)
    assert result == Rejected("signature does not verify")


def test_created_and_expires_pseudo_headers(keys: KeyPair) -> None:
    # Given hs2019 with (created) and (expires) signed and no Date at all
    created = int(NOW.timestamp())
    params = {"created": created, "expires": created + 3600}
    names = ["(request-target)", "(created)", "(expires)", "host", "digest"]
    headers = hand_signed_post(keys, names, algorithm="hs2019", params=params)
    del headers["Date"]
    # Then it holds until expires + 1 h, and not after
    for offset, ok in [
        (timedelta(0), True),
        (timedelta(minutes=119), True),
        (timedelta(minutes=121), False),
    ]:
        result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW + offset)
        assert isinstance(result, Verified) is ok, (offset, result)


def test_unsigned_created_parameter_cannot_refresh_an_old_date(keys: KeyPair) -> None:
    # Given a request whose signed Date is three hours old
    old = NOW - timedelta(hours=3)
    headers = {"Host": "127.0.0.1:8080", "Date": http_date(old), "Digest": digest(BODY)}
    names = ["(request-target)", "host", "date", "digest"]
    signature = cavage_signature(keys, "POST", INBOX, headers, names)
    # When a replayer appends an unsigned, fresh created parameter
    headers["Signature"] = signature + f",created={int(NOW.timestamp())}"
    # Then the signed Date still decides
    result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    assert result == Rejected("signature has expired (outside the time window)")


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (timedelta(minutes=-64), True),
        (timedelta(minutes=-66), False),
        (timedelta(minutes=59), True),
        (timedelta(minutes=61), False),
    ],
)
def test_date_window_is_65_minutes_back_and_1_hour_ahead(
    keys: KeyPair, key: SigningKey, offset: timedelta, ok: bool
) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW + offset)
    result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    assert isinstance(result, Verified) is ok, result
    if offset > timedelta(0) and not ok:
        assert result == Rejected("signature was created too far in the future")


def test_replay_of_a_captured_request_after_the_window_is_rejected(
    keys: KeyPair, key: SigningKey
) -> None:
    captured = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    assert isinstance(
        verify_request("POST", INBOX, captured, BODY, keys.public_pem, now=NOW), Verified
    )
    later = NOW + timedelta(hours=1, minutes=6)
    assert verify_request("POST", INBOX, captured, BODY, keys.public_pem, now=later) == Rejected(
        "signature has expired (outside the time window)"
    )


def test_tampered_header_fails(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    headers["Content-Type"] = "application/ld+json"
    result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    assert result == Rejected("signature does not verify")


def test_other_path_fails(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    other = "http://127.0.0.1:8080/users/carol/inbox"
    assert verify_request("POST", other, headers, BODY, keys.public_pem, now=NOW) == Rejected(
        "signature does not verify"
    )


def test_wrong_key_fails(other_keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    result = verify_request("POST", INBOX, headers, BODY, other_keys.public_pem, now=NOW)
    assert result == Rejected("signature does not verify")


def test_unusable_public_key_is_a_rejection(key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    result = verify_request("POST", INBOX, headers, BODY, "nonsense", now=NOW)
    assert isinstance(result, Rejected)
    assert result.reason.startswith("public key is unusable")


def test_tampered_body_with_original_digest_fails_on_digest(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    result = verify_request("POST", INBOX, headers, BODY + b" ", keys.public_pem, now=NOW)
    assert result == Rejected("Digest does not match the body")


def test_tampered_body_with_recomputed_digest_fails_on_signature(
    keys: KeyPair, key: SigningKey
) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    headers["Digest"] = digest(b"{}")
    result = verify_request("POST", INBOX, headers, b"{}", keys.public_pem, now=NOW)
    assert result == Rejected("signature does not verify")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h: h.pop("Signature"), "request is not signed (no Signature header)"),
        (lambda h: h.update(Signature="keyId=oops"), "malformed Signature header"),
        (
            lambda h: h.update(Signature='algorithm="rsa-sha256",signature="AAAA"'),
            "Signature has no keyId",
        ),
        (
            lambda h: h.update(Signature=h["Signature"].replace("rsa-sha256", "ed25519")),
            "unsupported signature algorithm 'ed25519'",
        ),
        (
            lambda h: h.update(Signature=h["Signature"].split(',signature="')[0]),
            "Signature has no signature parameter",
        ),
        (lambda h: h.pop("Digest"), "digest is signed but the Digest header is missing"),
        (lambda h: h.update(Digest="SHA-512=AAAA"), "Digest has no SHA-256 (offered: sha-512)"),
        (lambda h: h.update(Date="yesterday"), "Date header is missing or unparseable"),
        (
            lambda h: h.pop("Content-Type"),
            "signed header 'content-type' is missing from the request",
        ),
    ],
)
def test_cavage_rejections_name_the_problem(
    keys: KeyPair, key: SigningKey, mutate: object, reason: str
) -> None:
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    mutate(headers)  # type: ignore[operator]
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == Rejected(
        reason
    )


def test_get_without_signed_host_is_rejected(keys: KeyPair) -> None:
    url = "http://127.0.0.1:8080/users/bob"
    headers = {"Host": "127.0.0.1:8080", "Date": http_date(NOW)}
    headers["Signature"] = cavage_signature(keys, "GET", url, headers, ["(request-target)", "date"])
    assert verify_request("GET", url, headers, None, keys.public_pem, now=NOW) == Rejected(
        "host is not signed on a GET request"
    )


def test_post_without_signed_digest_is_rejected(keys: KeyPair) -> None:
    headers = hand_signed_post(keys, ["(request-target)", "host", "date", "content-type"])
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == Rejected(
        "digest is not signed on a POST request"
    )


def test_neither_date_nor_created_signed_is_rejected(keys: KeyPair) -> None:
    headers = hand_signed_post(keys, ["(request-target)", "host", "digest"])
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == Rejected(
        "neither date nor (created) is signed"
    )


def test_neither_request_target_nor_digest_signed_is_rejected(keys: KeyPair) -> None:
    url = "http://127.0.0.1:8080/users/bob"
    headers = {"Host": "127.0.0.1:8080", "Date": http_date(NOW)}
    headers["Signature"] = cavage_signature(keys, "GET", url, headers, ["host", "date"])
    assert verify_request("GET", url, headers, None, keys.public_pem, now=NOW) == Rejected(
        "neither (request-target) nor digest is signed"
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(new_body=st.binary(max_size=512))
def test_any_other_body_fails_cavage(keys: KeyPair, key: SigningKey, new_body: bytes) -> None:
    assume(new_body != BODY)
    headers = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    assert isinstance(
        verify_request("POST", INBOX, headers, new_body, keys.public_pem, now=NOW), Rejected
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_byte_change_fails_both_schemes(
    keys: KeyPair, key: SigningKey, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(BODY) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != BODY[index]))
    changed = BODY[:index] + bytes([value]) + BODY[index + 1 :]
    for sign in (sign_request, sign_request_rfc9421):
        headers = sign("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
        result = verify_request("POST", INBOX, headers, changed, keys.public_pem, now=NOW)
        assert isinstance(result, Rejected), sign.__name__


# ------------------------------------------------------------------------------------ RFC 9421


def test_rfc9421_post_headers(key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    sha = base64.b64encode(hashlib.sha256(BODY).digest()).decode()

    assert headers["Content-Digest"] == f"sha-256=:{sha}:"
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-type" '
        f'"content-digest");created={int(NOW.timestamp())};keyid="{KEY_ID}";'
        'alg="rsa-v1_5-sha256"'
    )
    assert headers["Signature"].startswith("sig1=:")
    assert "Digest" not in headers


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", INBOX, BODY),
        ("POST", INBOX + "?x=1", BODY),
        ("GET", "http://127.0.0.1:8080/users/bob", None),
        ("GET", "https://peer.example/users/bob/outbox?page=true", None),
    ],
)
def test_rfc9421_round_trip_verifies(
    keys: KeyPair, key: SigningKey, method: str, url: str, body: bytes | None
) -> None:
    headers = sign_request_rfc9421(method, url, JSON_HEADERS if body else {}, body, key, now=NOW)
    result = verify_request(method, url, headers, body, keys.public_pem, now=NOW)
    assert result == Verified(KEY_ID, "rfc9421")


def test_rfc9421_header_names_in_any_case_verify(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    upper = {k.upper(): v for k, v in headers.items()}
    assert verify_request("POST", INBOX, upper, BODY, keys.public_pem, now=NOW) == Verified(
        KEY_ID, "rfc9421"
    )


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (timedelta(minutes=-64), True),
        (timedelta(minutes=-66), False),
        (timedelta(minutes=59), True),
        (timedelta(minutes=61), False),
    ],
)
def test_rfc9421_window(keys: KeyPair, key: SigningKey, offset: timedelta, ok: bool) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW + offset)
    result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    assert isinstance(result, Verified) is ok, result


def test_rfc9421_tampered_body_fails_on_content_digest(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    result = verify_request("POST", INBOX, headers, b"{}", keys.public_pem, now=NOW)
    assert result == Rejected("Content-Digest does not match the body")


def test_rfc9421_recomputed_digest_fails_on_signature(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    headers["Content-Digest"] = "sha-256=:" + digest(b"{}")[len("SHA-256=") :] + ":"
    result = verify_request("POST", INBOX, headers, b"{}", keys.public_pem, now=NOW)
    assert result == Rejected("RFC 9421 signature does not verify")


def test_rfc9421_wrong_key_and_tampered_header_fail(
    keys: KeyPair, other_keys: KeyPair, key: SigningKey
) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    failed = Rejected("RFC 9421 signature does not verify")
    assert verify_request("POST", INBOX, headers, BODY, other_keys.public_pem, now=NOW) == failed
    headers["Content-Type"] = "application/json"
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == failed


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (';alg="rsa-v1_5-sha256"', ';alg="ed25519"', "unsupported RFC 9421 algorithm 'ed25519'"),
        (
            f";created={int(NOW.timestamp())}",
            "",
            "RFC 9421 signature has no integer created parameter",
        ),
        (f';keyid="{KEY_ID}"', "", "RFC 9421 signature has no keyid"),
        ('"@method" ', "", "@method is not covered"),
        (
            '"@target-uri" ',
            "",
            "neither @target-uri nor @authority with @path (and @query) is covered",
        ),
        (' "content-digest"', "", "content-digest is not covered on a request with a body"),
        ("sig1=(", "sig1=(", None),
    ],
)
def test_rfc9421_rejections_name_the_problem(
    keys: KeyPair, key: SigningKey, old: str, new: str, reason: str | None
) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    assert old in headers["Signature-Input"]
    headers["Signature-Input"] = headers["Signature-Input"].replace(old, new)
    result = verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    expected = Verified(KEY_ID, "rfc9421") if reason is None else Rejected(reason)
    assert result == expected


def test_rfc9421_needs_exactly_one_signature(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    headers["Signature-Input"] += ", " + headers["Signature-Input"].replace("sig1=", "sig2=")
    headers["Signature"] += ", " + headers["Signature"].replace("sig1=", "sig2=")
    assert verify_request("POST", INBOX, headers, BODY, keys.public_pem, now=NOW) == Rejected(
        "expected exactly one RFC 9421 signature, found 2"
    )


def test_rfc9421_missing_content_digest_or_signature_header(keys: KeyPair, key: SigningKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    no_signature = {k: v for k, v in headers.items() if k != "Signature"}
    no_digest = {k: v for k, v in headers.items() if k != "Content-Digest"}
    assert verify_request("POST", INBOX, no_signature, BODY, keys.public_pem, now=NOW) == Rejected(
        "Signature-Input without a Signature header"
    )
    assert verify_request("POST", INBOX, no_digest, BODY, keys.public_pem, now=NOW) == Rejected(
        "content-digest is covered but the Content-Digest header is missing"
    )


def test_rfc9421_malformed_signature_input(keys: KeyPair) -> None:
    headers = {"Signature-Input": "sig1=(((", "Signature": "sig1=:AAAA:"}
    assert verify_request("GET", INBOX, headers, None, keys.public_pem, now=NOW) == Rejected(
        "malformed Signature-Input header"
    )


# ------------------------------------------------------------------------------ signature_key_id


def test_signature_key_id_for_each_scheme(key: SigningKey) -> None:
    cavage = sign_request("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    rfc = sign_request_rfc9421("POST", INBOX, JSON_HEADERS, BODY, key, now=NOW)
    assert signature_key_id(cavage) == KEY_ID
    assert signature_key_id({k.lower(): v for k, v in rfc.items()}) == KEY_ID
    assert signature_key_id({}) == Rejected("request is not signed (no Signature header)")
    assert signature_key_id({"Signature": 'algorithm="hs2019"'}) == Rejected(
        "Signature has no keyId"
    )


# ------------------------------------------------------------------ recorded real-peer signatures

RECORDINGS = Path(__file__).parent.parent / "fixtures" / "signatures"
RECORDED = [
    f"{prefix}-{kind}"
    for prefix in ("fedify-cavage", "fedify2-cavage", "fedify2-rfc9421")
    for kind in ("post", "get", "get-query")
]


def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDINGS / f"{name}.json").read_text())
    data["when"] = datetime.fromisoformat(data["signed_at"].replace("Z", "+00:00"))
    data["bytes"] = None if data["body"] is None else data["body"].encode()
    return data


def verify_recording(rec: dict[str, Any], when: datetime, body: bytes | None = None) -> object:
    body = rec["bytes"] if body is None else body
    return verify_request(
        rec["method"], rec["url"], rec["headers"], body, rec["public_key_pem"], now=when
    )


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_fedify_signature_verifies_at_its_time(name: str) -> None:
    rec = recording(name)
    scheme = "rfc9421" if "rfc9421" in name else "cavage"
    assert signature_key_id(rec["headers"]) == rec["key_id"]
    assert verify_recording(rec, rec["when"]) == Verified(rec["key_id"], scheme)
    assert verify_recording(rec, rec["when"] + timedelta(minutes=30)) == Verified(
        rec["key_id"], scheme
    )


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_fedify_signature_is_rejected_two_hours_later(name: str) -> None:
    rec = recording(name)
    result = verify_recording(rec, rec["when"] + timedelta(hours=2))
    assert result == Rejected("signature has expired (outside the time window)")


@pytest.mark.parametrize("name", [n for n in RECORDED if n.endswith("-post")])
def test_recorded_fedify_post_with_another_body_is_rejected(name: str) -> None:
    rec = recording(name)
    forged = rec["bytes"].replace(b"Hello from Fedify", b"Hello from Mallory")
    assert isinstance(verify_recording(rec, rec["when"], forged), Rejected)


@pytest.mark.parametrize("name", ["fedify-cavage-get-query", "fedify2-cavage-get-query"])
def test_fedify_cavage_leaves_the_query_out_of_request_target(name: str) -> None:
    # Why the path-only retry exists: Fedify signs `url.pathname` only.
    rec = recording(name)
    headers = {k.lower(): v for k, v in rec["headers"].items()}
    raw = base64.b64decode(headers["signature"].split('signature="')[1].rstrip('"'))
    rest = "\n".join(f"{h}: {headers[h]}" for h in ("accept", "date", "host"))
    public = load_public_key(rec["public_key_pem"])
    path_only = f"(request-target): get /users/bob/outbox\n{rest}".encode()
    with_query = f"(request-target): get /users/bob/outbox?page=true\n{rest}".encode()
    public.verify(raw, path_only, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(raw, with_query, padding.PKCS1v15(), hashes.SHA256())


def test_recorded_fedify_rfc9421_get_with_changed_query_is_rejected() -> None:
    rec = recording("fedify2-rfc9421-get-query")
    rec["url"] = rec["url"].replace("page=true", "page=false")
    assert verify_recording(rec, rec["when"]) == Rejected("RFC 9421 signature does not verify")
