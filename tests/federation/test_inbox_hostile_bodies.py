"""federation.inbox at the door: a signed body that cannot be stored is a 400 (a 5xx would
make the peer retry it for days), and a request signed for another server is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.crypto import generate_rsa_keypair
from federation.inbox import ActorKey, InboxAccepted, InboxRefused, check_inbox_request
from federation.signatures import SigningKey, sign_request, sign_request_rfc9421

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
ALICE = "http://127.0.0.1:8081/users/alice"
KEY_ID = ALICE + "#main-key"
INBOX = "http://127.0.0.1:8080/inbox"
KEYS = generate_rsa_keypair()


async def _resolve(key_id: str, refresh: bool) -> ActorKey | None:
    return ActorKey(key_id, ALICE, KEYS.public_pem)


def _signed_raw(body: bytes, url: str = INBOX, *, rfc9421: bool = False) -> dict[str, str]:
    sign = sign_request_rfc9421 if rfc9421 else sign_request
    key = SigningKey(KEY_ID, KEYS.private_pem)
    return sign("POST", url, {"Content-Type": "application/activity+json"}, body, key, now=NOW)


async def _check(body: bytes, url: str = INBOX, **kwargs: bool) -> InboxAccepted | object:
    headers = _signed_raw(body, url, **kwargs)
    return await check_inbox_request("POST", INBOX, headers, body, _resolve, now=NOW)


def _create(content: str) -> str:
    return (
        '{"id": "' + ALICE + '/1", "type": "Create", "actor": "' + ALICE + '", '
        '"object": {"id": "' + ALICE + '/n/1", "type": "Note", "content": ' + content + "}}"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('"a\\u0000b"', "U+0000"),
        ('"\\ud800"', "lone surrogate"),
        ("123456789012345678901234567890", "64 bits"),
        ("NaN", "not finite"),
        ("1e999", "not finite"),
    ],
)
async def test_a_body_that_cannot_be_stored_is_refused_at_the_door(
    content: str, reason: str
) -> None:
    result = await _check(_create(content).encode())

    assert isinstance(result, InboxRefused)
    assert result.status == 400 and reason in result.reason


async def test_a_key_that_holds_a_nul_is_refused_too() -> None:
    body = ('{"id": "' + ALICE + '/1", "type": "Like", "actor": "' + ALICE + '", '
            '"object": "' + ALICE + '/n/1", "x\\u0000": 1}').encode()  # fmt: skip

    result = await _check(body)

    assert isinstance(result, InboxRefused) and result.status == 400


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.just("\x00"),
    st.just("\ud800"), st.just(2**64), st.just(-(2**63) - 1),
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(extra=_JSON, content=_JSON)
async def test_any_signed_body_is_accepted_or_refused_with_a_4xx(
    extra: object, content: object
) -> None:
    activity = {"id": f"{ALICE}/1", "type": "Create", "actor": ALICE, "extra": extra,
                "object": {"id": f"{ALICE}/n/1", "type": "Note", "content": content}}  # fmt: skip
    try:
        body = json.dumps(activity, ensure_ascii=True, allow_nan=True).encode()
    except (ValueError, TypeError):
        return
    result = await _check(body)

    if isinstance(result, InboxRefused):
        assert 400 <= result.status < 500
    else:
        assert isinstance(result, InboxAccepted)
        json.loads(json.dumps(result.activity, allow_nan=False))  # storable as it is


@pytest.mark.parametrize("rfc9421", [False, True])
async def test_a_request_signed_for_another_server_is_refused(rfc9421: bool) -> None:
    body = _create('"hello"').encode()
    elsewhere = "http://127.0.0.1:9090/inbox"  # the server it was signed for and sent to

    result = await _check(body, elsewhere, rfc9421=rfc9421)

    assert isinstance(result, InboxRefused) and result.status == 401
    assert "is not this server" in result.reason
