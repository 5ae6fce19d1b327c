"""Raw AS2 JSON -> typed inbound values, or a typed reason why not.

The entry points never raise on bad input: they return `ParseError(reason)` for documents that
cannot mean anything (no id, no actor, an activity without its object, nesting deeper than
`MAX_DEPTH`) and `UnknownType(type)` for well-formed activities we do not handle, which the inbox
accepts with 202 and drops (Lemmy's queue blocks on a peer that fails deterministically on a
valid-but-unsupported activity, interop brief §8.4). Shapes are read leniently: single values or
lists, references or embedded objects. `bto`/`bcc` are never read, so they cannot leak.

Embedded objects are parsed but not trusted: whether an embedded object may be believed or must
be refetched from its origin (FEP-fe34) is the caller's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, get_args

from federation import parse_fields as f
from federation.parse_actors import ACTOR_TYPES, parse_actor, parse_key, public_keys
from federation.parse_objects import OBJECT_TYPES, parse_object
from federation.parse_types import (
    Activity,
    ActivityType,
    Actor,
    Attachment,
    Emoji,
    EventInfo,
    Hashtag,
    Mention,
    Multikey,
    Object,
    ParseError,
    Poll,
    PollOption,
    PropertyField,
    PublicKey,
    Tag,
    Tombstone,
    UnknownType,
)
from federation.sanitize import html_to_text
from federation.vocab import as_list, get_id

__all__ = [
    "Activity",
    "ActivityType",
    "Actor",
    "Attachment",
    "Emoji",
    "EventInfo",
    "Hashtag",
    "Mention",
    "Multikey",
    "Object",
    "ParseError",
    "Poll",
    "PollOption",
    "PropertyField",
    "PublicKey",
    "Tag",
    "Tombstone",
    "UnknownType",
    "parse_activity",
    "parse_actor",
    "parse_collection_activities",
    "parse_key",
    "parse_object",
    "public_keys",
]

ACTIVITY_TYPES: Final[Mapping[str, ActivityType]] = {
    **{name: name for name in get_args(ActivityType)},
    # Pleroma/Akkoma (and Misskey to them) send emoji reactions as EmojiReact (FEP-c0e0); to us
    # a reaction is a Like with content, which is how Misskey sends it to everyone else.
    "EmojiReact": "Like",
}

_NEEDS_TARGET: Final = frozenset({"Move", "Add", "Remove"})
# For these the embedded object *is* the payload: if it is broken, so is the activity.
_PAYLOAD_CARRIERS: Final = frozenset({"Create", "Update"})

Embedded = str | Object | Tombstone | Actor | Activity


class _TooDeep(Exception):
    """Raised inside the recursion, turned into a ParseError at the entry point."""


def parse_activity(doc: dict[str, Any]) -> Activity | UnknownType | ParseError:
    """An inbound activity (inbox POST body, or an outbox/collection item)."""
    try:
        return _activity(doc, depth=0)
    except _TooDeep:
        return ParseError(f"embedded objects nested more than {f.MAX_DEPTH} levels")


def _embedded(value: Any, depth: int) -> Embedded | UnknownType | ParseError | None:
    """One `object` value: a reference, or an embedded object of any kind."""
    if isinstance(value, str):
        return f.http_url(value) or ParseError("object reference is not an http(s) URL")
    if not isinstance(value, dict):
        return None
    if depth > f.MAX_DEPTH:
        raise _TooDeep
    kind = f.type_of(value)
    if kind is None:
        # `{"id": ...}` with nothing else is a reference written as an object.
        return f.http_url(get_id(value)) or ParseError("embedded object has no type")
    if kind in ACTIVITY_TYPES:
        return _activity(value, depth)
    if kind in ACTOR_TYPES:
        return parse_actor(value)
    if kind in OBJECT_TYPES or kind == "Tombstone":
        return parse_object(value)
    return UnknownType(kind)


def _object_field(
    kind: ActivityType, raw: Any, depth: int
) -> tuple[Embedded | None, tuple[str, ...]] | UnknownType | ParseError:
    """(object, every object id) for an activity of `kind`."""
    items = as_list(raw)
    object_ids = tuple(i for i in (f.http_url(get_id(item)) for item in items[:100]) if i)
    if not items:
        return None, object_ids
    parsed = _embedded(items[0], depth + 1)
    if isinstance(parsed, UnknownType):
        if kind in _PAYLOAD_CARRIERS:
            return UnknownType(f"{kind}/{parsed.type}")
    elif not isinstance(parsed, ParseError):
        return parsed, object_ids
    elif kind in _PAYLOAD_CARRIERS:
        return parsed
    # Undo{Dislike}, Accept{QuoteRequest}, Follow{a bare actor stub}: keep the reference and let
    # the handler decide (it refetches from the origin anyway when it needs the object).
    if object_ids:
        return object_ids[0], object_ids
    return parsed if isinstance(parsed, ParseError) else ParseError(f"{kind} object has no id")


def _content(doc: dict[str, Any], kind: str) -> str | None:
    if kind == "Like":
        # Misskey: `_misskey_reaction` (and `content`); Akkoma EmojiReact: `content`.
        return f.text(doc.get("_misskey_reaction"), 256) or f.text(doc.get("content"), 256)
    raw = f.text(doc.get("content"), f.MAX_TEXT_CHARS) or f.text(doc.get("summary"), 10_000)
    return (html_to_text(raw) or None) if raw else None


def _activity(doc: Any, depth: int) -> Activity | UnknownType | ParseError:
    if not isinstance(doc, dict):
        return ParseError("activity is not a JSON object")
    type_name = f.type_of(doc)
    if type_name is None:
        return ParseError("activity has no type")
    kind = ACTIVITY_TYPES.get(type_name)
    if kind is None:
        return UnknownType(type_name)
    activity_id = f.http_url(doc.get("id"))
    if activity_id is None:
        return ParseError(f"{type_name} has no id")
    actor = f.ref(doc.get("actor"))
    if actor is None:
        return ParseError(f"{type_name} {activity_id} has no actor")
    found = _object_field(kind, doc.get("object"), depth)
    if isinstance(found, UnknownType | ParseError):
        return found
    obj, object_ids = found
    if obj is None:  # every type we handle is about something
        return ParseError(f"{type_name} {activity_id} has no object")
    target = f.ref(doc.get("target"))
    if target is None and kind in _NEEDS_TARGET:
        return ParseError(f"{type_name} {activity_id} has no target")
    return _build_activity(doc, activity_id, kind, actor, obj, object_ids, target)


def _build_activity(
    doc: dict[str, Any],
    activity_id: str,
    kind: ActivityType,
    actor: str,
    obj: Embedded | None,
    object_ids: tuple[str, ...],
    target: str | None,
) -> Activity | ParseError:
    to, cc, audience = (f.addresses(doc.get(k)) for k in ("to", "cc", "audience"))
    if isinstance(to, ParseError) or isinstance(cc, ParseError) or isinstance(audience, ParseError):
        return ParseError(f"{kind} {activity_id} has too many recipients")
    return Activity(
        id=activity_id,
        type=kind,
        actor=actor,
        object=obj,
        object_ids=object_ids,
        target=target,
        to=to,
        cc=cc,
        audience=audience,
        content=_content(doc, kind),
        published=f.timestamp(doc.get("published")),
        tags=f.tags(doc.get("tag")),
    )


def parse_collection_activities(
    doc: dict[str, Any], limit: int
) -> tuple[tuple[dict[str, Any], Activity], ...]:
    """The activities an (Ordered)Collection lists inline, or its embedded `first` page lists
    (a group's outbox as Lemmy serves it: `orderedItems` of `Announce`s): at most `limit`,
    in the collection's order, each as served and as parsed; items that are references or do
    not parse are skipped."""
    source: Any = doc
    if "orderedItems" not in doc and "items" not in doc and isinstance(doc.get("first"), dict):
        source = doc["first"]
    raw = source.get("orderedItems", source.get("items"))
    found = []
    for item in as_list(raw)[:limit]:
        parsed = parse_activity(item) if isinstance(item, dict) else None
        if isinstance(parsed, Activity):
            found.append((item, parsed))
    return tuple(found)
