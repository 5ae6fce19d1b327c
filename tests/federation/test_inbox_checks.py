"""federation.inbox: the checks an inbox POST passes before it is stored (docs/architecture.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation.crypto import KeyPair, generate_rsa_keypair
from federation.inbox import (
    ActorKey,
    InboxAccepted,
    InboxIgnored,
    InboxRefused,
    check_inbox_request,
    is_actor_self_delete,
)
from federation.signatures import SigningKey, Verified, sign_request, sign_request_rfc9421

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
ALICE = "http://127.0.0.1:8081/users/alice"
KEY_ID = ALICE + "#main-key"
INBOX = "http://127.0.0.1:8080/inbox"
CREATE: dict[str, Any] = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": ALICE + "/posts/1/activity",
    "type": "Create",
    "actor": ALICE,
    "object": {"id": ALICE + "/posts/1", "type": "Note", "content": "hi"},
}


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def old_keys() -> KeyPair:
    return generate_rsa_keypair()


@dataclass
class FakeKeys:
    """A resolve_key seam: answers per refresh flag and records every call."""

    cached: ActorKey | None
    refreshed: ActorKey | None = None
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, key_id: str, refresh: bool) -> ActorKey | None:
        self.calls.append((key_id, refresh))
        return self.refreshed if refresh else self.cached


@dataclass
class FakeActors:
    known: bool
    calls: list[str] = field(default_factory=list)

    async def __call__(self, actor: str) -> bool:
        self.calls.append(actor)
        return self.known


def actor_key(pair: KeyPair, owner: str = ALICE, key_id: str = KEY_ID) -> ActorKey:
    return ActorKey(key_id=key_id, owner=owner, public_key_pem=pair.public_pem)


def signed(
    pair: KeyPair,
    activity: Any = CREATE,
    *,
    content_type: str = "application/activity+json",
    when: datetime = NOW,
    rfc9421: bool = False,
) -> tuple[dict[str, str], bytes]:
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    sign = sign_request_rfc9421 if rfc9421 else sign_request
    key = SigningKey(KEY_ID, pair.private_pem)
    return sign("POST", INBOX, {"Content-Type": content_type}, body, key, now=when), body


async def check(
    headers: dict[str, str], body: bytes, resolver: FakeKeys, **kwargs: Any
) -> InboxAccepted | InboxRefused | InboxIgnored:
    return await check_inbox_request("POST", INBOX, headers, body, resolver, now=NOW, **kwargs)


# -------------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("rfc9421", [False, True])
async def test_signed_activity_from_its_actor_is_accepted(keys: KeyPair, rfc9421: bool) -> None:
    headers, body = signed(keys, rfc9421=rfc9421)
    resolver = FakeKeys(cached=actor_key(keys))

    result = await check(headers, body, resolver)

    scheme = "rfc9421" if rfc9421 else "cavage"
    assert result == InboxAccepted(CREATE, ALICE, Verified(KEY_ID, scheme))
    assert resolver.calls == [(KEY_ID, False)]


async def test_lower_case_header_names_are_accepted(keys: KeyPair) -> None:
    headers, body = signed(keys)
    lowered = {k.lower(): v for k, v in headers.items()}
    assert isinstance(await check(lowered, body, FakeKeys(actor_key(keys))), InboxAccepted)


async def test_actor_given_as_an_object_with_id_is_accepted(keys: KeyPair) -> None:
    activity = {**CREATE, "actor": {"id": ALICE, "type": "Person"}}
    headers, body = signed(keys, activity)
    result = await check(headers, body, FakeKeys(actor_key(keys)))
    assert isinstance(result, InboxAccepted)
    assert result.key_owner == ALICE


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/json; charset=utf-8",
        "Application/Activity+JSON",
    ],
)
async def test_activity_content_types_are_accepted(keys: KeyPair, content_type: str) -> None:
    headers, body = signed(keys, content_type=content_type)
    assert isinstance(await check(headers, body, FakeKeys(actor_key(keys))), InboxAccepted)


# ------------------------------------------------------------------- refused before the key


async def test_oversized_body_is_413_before_anything_else(keys: KeyPair) -> None:
    headers, body = signed(keys)
    resolver = FakeKeys(actor_key(keys))
    result = await check(headers, body, resolver, max_body=len(body) - 1)
    assert result == InboxRefused(413, f"body larger than {len(body) - 1} bytes")
    assert resolver.calls == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
async def test_other_content_types_are_415(keys: KeyPair, content_type: str) -> None:
    headers, body = signed(keys, content_type=content_type)
    result = await check(headers, body, FakeKeys(actor_key(keys)))
    assert isinstance(result, InboxRefused)
    assert result.status == 415


async def test_missing_content_type_is_415(keys: KeyPair) -> None:
    headers, body = signed(keys)
    del headers["Content-Type"]
    assert await check(headers, body, FakeKeys(actor_key(keys))) == InboxRefused(
        415, "unsupported content type '(none)'"
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe\xfa", "body is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "body is not valid JSON"),
        (b'["Create"]', "body is not a JSON object"),
        (b'{"actor": "http://127.0.0.1:8081/users/alice"}', "activity has no type"),
        (b'{"type": "Create"}', "activity has no actor id"),
        (b'{"type": "Create", "actor": {"type": "Person"}}', "activity has no actor id"),
        (b'{"type": "Create", "actor": 7}', "activity has no actor id"),
    ],
)
async def test_malformed_activities_are_400(keys: KeyPair, payload: bytes, reason: str) -> None:
    headers, body = signed(keys, payload)
    resolver = FakeKeys(actor_key(keys))
    assert await check(headers, body, resolver) == InboxRefused(400, reason)
    assert resolver.calls == []


async def test_unsigned_request_is_401(keys: KeyPair) -> None:
    body = json.dumps(CREATE).encode()
    headers = {"Content-Type": "application/activity+json"}
    resolver = FakeKeys(actor_key(keys))
    assert await check(headers, body, resolver) == InboxRefused(
        401, "request is not signed (no Signature header)"
    )
    assert resolver.calls == []


async def test_stale_date_is_401_without_fetching_a_key(keys: KeyPair) -> None:
    headers, body = signed(keys, when=NOW - timedelta(minutes=66))
    resolver = FakeKeys(actor_key(keys))
    assert await check(headers, body, resolver) == InboxRefused(
        401, "signature has expired (outside the time window)"
    )
    assert resolver.calls == []


async def test_digest_mismatch_is_401_without_fetching_a_key(keys: KeyPair) -> None:
    headers, body = signed(keys)
    resolver = FakeKeys(actor_key(keys))
    tampered = body.replace(b'"hi"', b'"ha"')
    assert await check(headers, tampered, resolver) == InboxRefused(
        401, "Digest does not match the body"
    )
    assert resolver.calls == []


# ------------------------------------------------------------------------ key and signature


async def test_unresolvable_key_is_401(keys: KeyPair) -> None:
    headers, body = signed(keys)
    resolver = FakeKeys(cached=None, refreshed=actor_key(keys))
    assert await check(headers, body, resolver) == InboxRefused(
        401, "signing key could not be resolved"
    )
    assert resolver.calls == [(KEY_ID, False)]


async def test_rotated_key_is_refetched_once_and_accepted(keys: KeyPair, old_keys: KeyPair) -> None:
    # Given a cache holding the actor's old key, and the actor now signing with a new one
    headers, body = signed(keys)
    resolver = FakeKeys(cached=actor_key(old_keys), refreshed=actor_key(keys))
    # When the request is checked
    result = await check(headers, body, resolver)
    # Then the key is refetched exactly once and the request accepted
    assert isinstance(result, InboxAccepted)
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_wrong_key_after_refetch_is_401(keys: KeyPair, old_keys: KeyPair) -> None:
    headers, body = signed(keys)
    resolver = FakeKeys(cached=actor_key(old_keys), refreshed=actor_key(old_keys))
    assert await check(headers, body, resolver) == InboxRefused(401, "signature does not verify")
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_refetch_that_finds_nothing_is_401(keys: KeyPair, old_keys: KeyPair) -> None:
    headers, body = signed(keys, rfc9421=True)
    resolver = FakeKeys(cached=actor_key(old_keys), refreshed=None)
    assert await check(headers, body, resolver) == InboxRefused(
        401, "RFC 9421 signature does not verify"
    )
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_resolver_answering_another_key_id_is_401(keys: KeyPair) -> None:
    headers, body = signed(keys)
    resolver = FakeKeys(cached=actor_key(keys, key_id=ALICE + "#other-key"))
    assert await check(headers, body, resolver) == InboxRefused(
        401, "signing key could not be resolved"
    )


async def test_actor_who_does_not_own_the_key_is_401(keys: KeyPair) -> None:
    # Given a valid signature by Alice's key on an activity claiming to be Mallory's
    activity = {**CREATE, "actor": "http://127.0.0.1:8081/users/mallory"}
    headers, body = signed(keys, activity)
    resolver = FakeKeys(actor_key(keys, owner=ALICE))
    assert await check(headers, body, resolver) == InboxRefused(
        401, "activity actor does not own the signing key"
    )


# ------------------------------------------------------------------------- actor self-delete

SELF_DELETE = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": ALICE + "#delete",
    "type": "Delete",
    "actor": ALICE,
    "object": ALICE,
}


async def test_self_delete_of_unknown_actor_is_ignored_without_fetching(keys: KeyPair) -> None:
    headers, body = signed(keys, SELF_DELETE)
    resolver = FakeKeys(actor_key(keys))
    actors = FakeActors(known=False)

    result = await check(headers, body, resolver, known_actor=actors)

    assert result == InboxIgnored("delete of unknown actor")
    assert resolver.calls == []
    assert actors.calls == [ALICE]


async def test_self_delete_of_known_actor_is_verified(keys: KeyPair) -> None:
    headers, body = signed(keys, SELF_DELETE)
    resolver = FakeKeys(actor_key(keys))
    result = await check(headers, body, resolver, known_actor=FakeActors(known=True))
    assert isinstance(result, InboxAccepted)
    assert resolver.calls == [(KEY_ID, False)]


async def test_self_delete_without_known_actor_seam_is_verified(keys: KeyPair) -> None:
    headers, body = signed(keys, SELF_DELETE)
    assert isinstance(await check(headers, body, FakeKeys(actor_key(keys))), InboxAccepted)


async def test_unknown_actor_self_delete_still_needs_a_fresh_signature(keys: KeyPair) -> None:
    headers, body = signed(keys, SELF_DELETE, when=NOW - timedelta(hours=3))
    actors = FakeActors(known=False)
    result = await check(headers, body, FakeKeys(actor_key(keys)), known_actor=actors)
    assert isinstance(result, InboxRefused)
    assert result.status == 401


async def test_delete_of_a_post_is_not_ignored(keys: KeyPair) -> None:
    activity = {**SELF_DELETE, "object": ALICE + "/posts/1"}
    headers, body = signed(keys, activity)
    actors = FakeActors(known=False)
    result = await check(headers, body, FakeKeys(actor_key(keys)), known_actor=actors)
    assert isinstance(result, InboxAccepted)
    assert actors.calls == []


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        ({"type": "Delete", "actor": ALICE, "object": ALICE}, True),
        ({"type": "Delete", "actor": {"id": ALICE}, "object": {"id": ALICE}}, True),
        ({"type": "Delete", "actor": ALICE, "object": {"type": "Tombstone", "id": ALICE}}, True),
        ({"type": "Delete", "actor": ALICE, "object": ALICE + "/posts/1"}, False),
        ({"type": "Update", "actor": ALICE, "object": ALICE}, False),
        ({"type": "Delete", "object": ALICE}, False),
        ({"type": "Delete", "actor": ALICE}, False),
    ],
)
def test_is_actor_self_delete(activity: dict[str, Any], expected: bool) -> None:
    assert is_actor_self_delete(activity) is expected
