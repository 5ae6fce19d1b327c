"""Actors (Person, Group, Application, Service, Organization) and their keys from AS2 JSON.

An actor without an id, an inbox or a preferredUsername is refused: Misskey rejects actors
without an inbox (`validateActor` in ApPersonService.ts) and Mastodon cannot build a handle
without preferredUsername. Keys are read from `publicKey` (one object, or a list as Fedify sends
for several keys) and from FEP-521a `assertionMethod` Multikeys.
"""

from __future__ import annotations

from typing import Any, Final, get_args

from federation import parse_fields as f
from federation.parse_types import (
    Actor,
    Emoji,
    Multikey,
    ParseError,
    PropertyField,
    PublicKey,
)
from federation.sanitize import sanitize_html
from federation.vocab import ActorType, as_list

ACTOR_TYPES: Final[dict[str, ActorType]] = {name: name for name in get_args(ActorType)}
_PEM_MARKER: Final = "-----BEGIN PUBLIC KEY-----"


def _public_key(item: Any, default_owner: str | None) -> PublicKey | None:
    if not isinstance(item, dict):
        return None
    key_id = f.http_url(item.get("id"))
    owner = f.ref(item.get("owner")) or f.ref(item.get("controller")) or default_owner
    pem = f.text(item.get("publicKeyPem"), 16_384)
    if key_id is None or owner is None or pem is None or _PEM_MARKER not in pem:
        return None
    return PublicKey(id=key_id, owner=owner, pem=pem)


def public_keys(doc: dict[str, Any]) -> tuple[PublicKey, ...]:
    """Every usable RSA key of an actor document (owner defaults to the actor)."""
    owner = f.http_url(doc.get("id"))
    found = [_public_key(item, owner) for item in as_list(doc.get("publicKey"))[:10]]
    return tuple(key for key in found if key is not None)


def parse_key(doc: dict[str, Any], key_id: str) -> PublicKey | ParseError:
    """The key `key_id` from a fetched key document.

    The document may be the actor itself (`#main-key` fragments), a bare key
    (`CryptographicKey`), or GoToSocial's stub actor served at `/users/x/main-key`
    (docs/federation/http_signatures.md). Whether the owner lists the key back is for the caller.
    """
    if not isinstance(doc, dict):
        return ParseError("key document is not a JSON object")
    if "publicKeyPem" in doc:
        key = _public_key(doc, None)
        if key is None:
            return ParseError("key document lacks id, owner or PEM")
        return key if key.id == key_id else ParseError(f"key document is {key.id}, not {key_id}")
    for key in public_keys(doc):
        if key.id == key_id:
            return key
    return ParseError(f"document lists no key {key_id}")


def _multikeys(doc: dict[str, Any], actor_id: str) -> tuple[Multikey, ...]:
    found = []
    for item in as_list(doc.get("assertionMethod"))[:10]:
        if not isinstance(item, dict) or f.type_of(item) != "Multikey":
            continue
        key_id = f.http_url(item.get("id"))
        multibase = f.text(item.get("publicKeyMultibase"), 1024)
        controller = f.ref(item.get("controller")) or actor_id
        if key_id and multibase:
            found.append(Multikey(id=key_id, controller=controller, public_key_multibase=multibase))
    return tuple(found)


def _fields(doc: dict[str, Any]) -> tuple[PropertyField, ...]:
    found = []
    for item in as_list(doc.get("attachment"))[: f.MAX_FIELDS]:
        if isinstance(item, dict) and f.type_of(item) == "PropertyValue":
            name = f.text(item.get("name"), 255)
            value = f.text(item.get("value"), 2048)
            if name:
                found.append(PropertyField(name=name, value=sanitize_html(value or "")))
    return tuple(found)


def _shared_inbox(doc: dict[str, Any]) -> str | None:
    endpoints = doc.get("endpoints")
    if isinstance(endpoints, dict):
        found = f.http_url(endpoints.get("sharedInbox"))
        if found:
            return found
    # Misskey also puts it at the top level.
    return f.http_url(doc.get("sharedInbox"))


def _moderators(doc: dict[str, Any], kind: ActorType) -> str | None:
    # Lemmy: a Group's `attributedTo` is its moderators collection (FEP-1b12); older Lemmy
    # called it `moderators` (lemmy:moderators).
    if kind != "Group":
        return None
    return f.ref(doc.get("attributedTo")) or f.ref(doc.get("moderators"))


def parse_actor(doc: dict[str, Any]) -> Actor | ParseError:
    """An actor document, or why it cannot be used."""
    if not isinstance(doc, dict):
        return ParseError("actor is not a JSON object")
    kind_name = f.type_of(doc)
    kind = ACTOR_TYPES.get(kind_name or "")
    if kind is None:
        return ParseError(f"expected an actor, got {kind_name or 'no type'}")
    actor_id = f.http_url(doc.get("id"))
    if actor_id is None:
        return ParseError(f"{kind} has no id")
    inbox = f.http_url(doc.get("inbox"))
    if inbox is None:
        return ParseError(f"{kind} {actor_id} has no inbox")
    username = f.text(doc.get("preferredUsername"), 255)
    if username is None:
        return ParseError(f"{kind} {actor_id} has no preferredUsername")
    return _build_actor(doc, kind, actor_id, inbox, username)


def _build_actor(
    doc: dict[str, Any], kind: ActorType, actor_id: str, inbox: str, username: str
) -> Actor:
    also_known_as = f.addresses(as_list(doc.get("alsoKnownAs"))[:20])
    return Actor(
        id=actor_id,
        type=kind,
        preferred_username=username,
        name=f.text(doc.get("name")),
        summary=sanitize_html(f.text(doc.get("summary"), f.MAX_TEXT_CHARS) or ""),
        inbox=inbox,
        outbox=f.ref(doc.get("outbox")),
        shared_inbox=_shared_inbox(doc),
        followers=f.ref(doc.get("followers")),
        following=f.ref(doc.get("following")),
        featured=f.ref(doc.get("featured")),
        url=f.html_link(doc.get("url")),
        icon_url=f.image_url(doc.get("icon")),
        image_url=f.image_url(doc.get("image")),
        manually_approves_followers=f.flag(doc.get("manuallyApprovesFollowers")),
        # Absent means "no": never list or index someone who did not opt in (interop §9.6).
        discoverable=f.flag(doc.get("discoverable")),
        indexable=f.flag(doc.get("indexable")),
        public_keys=public_keys(doc),
        multikeys=_multikeys(doc, actor_id),
        fields=_fields(doc),
        emojis=tuple(tag for tag in f.tags(doc.get("tag")) if isinstance(tag, Emoji)),
        moderators=_moderators(doc, kind),
        posting_restricted_to_mods=f.flag(doc.get("postingRestrictedToMods")),
        also_known_as=also_known_as if isinstance(also_known_as, tuple) else (),
        moved_to=f.ref(doc.get("movedTo")),
        published=f.timestamp(doc.get("published")),
    )
