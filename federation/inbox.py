"""The checks an inbox POST must pass before anything is stored (docs/architecture.md).

`check_inbox_request()` is pure apart from two seams the caller provides: `resolve_key`, which
finds a remote key (from the cache, or by fetching the actor), and `known_actor`, which says
whether we have ever stored an actor. The `fedi` edge maps the result to HTTP: `InboxAccepted`
→ store and 202, `InboxIgnored` → 202 with no work, `InboxRefused` → its status.

Order (cheapest and most telling first): body size (413) → content type (415) → JSON object
with `type` and `actor` (400) → signature headers present, required parts signed, date window,
digest (401) → an actor's self-`Delete` we never knew is ignored → key resolved (401) →
signature valid, refetching the key once on failure for key rotation (401) → the activity's
actor owns the key (401). 401 (never 2xx/5xx) lets double-knocking peers retry with the other
signature scheme (interop brief §4.3).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.signatures import (
    Rejected,
    SignedRequest,
    Verified,
    parse_signed_request,
    verify_signed_request,
)

logger = logging.getLogger(__name__)

MAX_BODY = 1_048_576
# Mastodon accepts these three for inbox POSTs; `application/ld+json` comes with any profile.
_ACTIVITY_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)


@dataclass(frozen=True, slots=True)
class ActorKey:
    """A remote public key and the actor that owns it (`publicKey.owner`, checked by the
    resolver against the actor document)."""

    key_id: str
    owner: str
    public_key_pem: str


@dataclass(frozen=True, slots=True)
class InboxAccepted:
    activity: dict[str, Any]
    key_owner: str
    verified: Verified


@dataclass(frozen=True, slots=True)
class InboxRefused:
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class InboxIgnored:
    """Answer 202 and do nothing (e.g. the self-`Delete` of an actor we never saw)."""

    reason: str


# resolve_key(key_id, refresh): refresh=False may answer from a cache; refresh=True must
# refetch the actor (key rotation). None means the key cannot be found.
KeyResolver = Callable[[str, bool], Awaitable[ActorKey | None]]
KnownActor = Callable[[str], Awaitable[bool]]


def is_actor_self_delete(activity: Mapping[str, Any]) -> bool:
    """True for a `Delete` whose object is its own actor (an account deleting itself)."""
    if activity.get("type") != "Delete":
        return False
    actor = _id_of(activity.get("actor"))
    return actor is not None and _id_of(activity.get("object")) == actor


async def check_inbox_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: KeyResolver,
    *,
    known_actor: KnownActor | None = None,
    now: datetime | None = None,
    max_body: int = MAX_BODY,
) -> InboxAccepted | InboxRefused | InboxIgnored:
    """Check an inbox request; see the module docstring for the order of checks.

    `url` is the full URL as the server sees it; `headers` may use any case. When the activity
    is an actor's self-`Delete` and `known_actor(actor)` is False, the result is `InboxIgnored`
    without calling `resolve_key`: a deleted actor's key usually cannot be fetched any more
    (410), and there is nothing of theirs to delete (Mastodon `skip_unknown_actor_activity`,
    `app/controllers/activitypub/inboxes_controller.rb`).
    """
    parsed = _parse_body(headers, body, max_body)
    if isinstance(parsed, InboxRefused):
        return _refuse(parsed)
    activity, actor = parsed
    signed = parse_signed_request(method, url, headers, body, now=now)
    if isinstance(signed, Rejected):
        return _refuse(InboxRefused(401, signed.reason))
    self_delete = is_actor_self_delete(activity)
    if self_delete and known_actor is not None and not await known_actor(actor):
        return InboxIgnored("delete of unknown actor")
    outcome = await _verify_with_rotation(signed, resolve_key)
    if isinstance(outcome, InboxRefused):
        return _refuse(outcome)
    verified, key = outcome
    # Mastodon process_collection_service.rb drops activities whose signer is not the actor;
    # without LD signatures we refuse them outright (interop brief §4.2 item 8).
    if actor != key.owner:
        return _refuse(InboxRefused(401, "activity actor does not own the signing key"))
    return InboxAccepted(activity=activity, key_owner=key.owner, verified=verified)


def _parse_body(
    headers: Mapping[str, str], body: bytes, max_body: int
) -> tuple[dict[str, Any], str] | InboxRefused:
    if len(body) > max_body:
        return InboxRefused(413, f"body larger than {max_body} bytes")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in _ACTIVITY_MEDIA_TYPES:
        return InboxRefused(415, f"unsupported content type {media_type or '(none)'!r}")
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError):
        # ValueError covers bad UTF-8 too; RecursionError is a deeply nested JSON bomb
        # (interop brief §9.4).
        return InboxRefused(400, "body is not valid JSON")
    if not isinstance(activity, dict):
        return InboxRefused(400, "body is not a JSON object")
    problem = unstorable(activity)
    if problem is not None:
        return InboxRefused(400, problem)
    if not isinstance(activity.get("type"), str):
        return InboxRefused(400, "activity has no type")
    actor = _id_of(activity.get("actor"))
    if actor is None:
        return InboxRefused(400, "activity has no actor id")
    return activity, actor


# JSON allows what a JSON store may not: PostgreSQL's jsonb has no U+0000 in text, and an
# activity is serialised again to be kept (orjson: integers of at most 64 bits, no lone
# surrogates). Such a body is refused at the door with 400, so a peer does not retry it for days
# as it would a 5xx.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MIN_INT, _MAX_INT = -(2**63), 2**64 - 1


def unstorable(document: Any) -> str | None:
    """Why a parsed JSON document cannot be stored and served again, or None."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "a string in the body holds U+0000"
            if _LONE_SURROGATE.search(value):
                return "a string in the body holds a lone surrogate"
        elif isinstance(value, int) and not isinstance(value, bool):
            if not _MIN_INT <= value <= _MAX_INT:
                return "a number in the body is larger than 64 bits"
        elif isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return "a number in the body is not finite"
    return None


async def _verify_with_rotation(
    signed: SignedRequest, resolve_key: KeyResolver
) -> tuple[Verified, ActorKey] | InboxRefused:
    key = await _resolve(resolve_key, signed.key_id, refresh=False)
    if key is None:
        return InboxRefused(401, "signing key could not be resolved")
    result = verify_signed_request(signed, key.public_key_pem)
    if isinstance(result, Verified):
        return result, key
    # The actor may have rotated its key since we cached it: refetch once, then give up
    # (Mastodon signature_verification.rb, SWICG report "Key rotation").
    fresh = await _resolve(resolve_key, signed.key_id, refresh=True)
    if fresh is None:
        return InboxRefused(401, result.reason)
    retried = verify_signed_request(signed, fresh.public_key_pem)
    if isinstance(retried, Rejected):
        return InboxRefused(401, retried.reason)
    return retried, fresh


async def _resolve(resolve_key: KeyResolver, key_id: str, *, refresh: bool) -> ActorKey | None:
    key = await resolve_key(key_id, refresh)
    if key is not None and key.key_id != key_id:
        # publicKey.id must equal keyId exactly (interop brief §4.1); anything else is a
        # resolver bug or a confused actor document, and must not verify.
        logger.warning("key resolver answered %s for keyId %s", key.key_id, key_id)
        return None
    return key


def _id_of(value: Any) -> str | None:
    """An AS2 reference as an id: a string, or an object's `id`."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        inner = value.get("id")
        return inner if isinstance(inner, str) and inner else None
    return None


def _refuse(refused: InboxRefused) -> InboxRefused:
    logger.info("inbox refused (%d): %s", refused.status, refused.reason)
    return refused
