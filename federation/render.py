"""Typed values -> AS2 JSON: the only producer of outbound ActivityPub documents.

Actors, activities, collections and addressing live here; post-like objects in
`render_objects`, input dataclasses in `render_docs` (both re-exported). Every document carries
an `@context` whose first entry is the literal AS2 URL, without which Mastodon ignores it
(`supported_context?` in app/helpers/jsonld_helper.rb). Every activity keeps the id its caller
minted; nothing here invents ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from federation.render_docs import (
    ActivityDoc,
    ActivityRef,
    ActorDoc,
    EmojiRef,
    EventDoc,
    HashtagRef,
    ImageRef,
    MediaDoc,
    MentionRef,
    NoteDoc,
    PollDoc,
    PollOptionDoc,
    ProfileField,
)
from federation.render_objects import (
    embed,
    format_time,
    image,
    render_article,
    render_event,
    render_note,
    render_page,
    render_question,
    render_tombstone,
)
from federation.vocab import PUBLIC, ap_context

__all__ = [
    "ActivityDoc",
    "ActivityRef",
    "ActorDoc",
    "EmojiRef",
    "EventDoc",
    "HashtagRef",
    "ImageRef",
    "MediaDoc",
    "MentionRef",
    "NoteDoc",
    "PollDoc",
    "PollOptionDoc",
    "ProfileField",
    "addressing",
    "format_time",
    "render_accept",
    "render_actor",
    "render_add",
    "render_announce",
    "render_article",
    "render_block",
    "render_collection",
    "render_collection_page",
    "render_create",
    "render_delete",
    "render_event",
    "render_flag",
    "render_follow",
    "render_like",
    "render_move",
    "render_note",
    "render_page",
    "render_question",
    "render_reject",
    "render_remove",
    "render_tombstone",
    "render_undo",
    "render_update",
]

OutboundVisibility = Literal["public", "unlisted", "followers", "direct"]


def addressing(
    visibility: OutboundVisibility, followers_url: str, mentioned: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(to, cc) for a post, as Mastodon classifies them (interop brief §5.2).

    Mentioned actors are always addressed too: a Mention tag alone notifies nobody's server.
    Like GoToSocial, they go in `to` for direct posts and in `cc` otherwise.
    """
    extra = tuple(dict.fromkeys(m for m in mentioned if m != followers_url))
    if visibility == "public":
        return (PUBLIC,), (followers_url, *extra)
    if visibility == "unlisted":
        return (followers_url,), (PUBLIC, *extra)
    if visibility == "followers":
        return (followers_url,), extra
    return extra, ()


def _field(field: ProfileField) -> dict[str, Any]:
    return {"type": "PropertyValue", "name": field.name, "value": field.value}


def render_actor(doc: ActorDoc) -> dict[str, Any]:
    """A Person, Group, Application, Service or Organization with its RSA key."""
    out: dict[str, Any] = {
        "@context": ap_context(),
        "id": doc.id,
        "type": doc.type,
        "preferredUsername": doc.preferred_username,
        "name": doc.name,
        "summary": doc.summary,
        "inbox": doc.inbox,
        "outbox": doc.outbox,
        "manuallyApprovesFollowers": doc.manually_approves_followers,
        "discoverable": doc.discoverable,
        "indexable": doc.indexable,
        "publicKey": {"id": doc.key_id, "owner": doc.id, "publicKeyPem": doc.public_key_pem},
        "attachment": [_field(field) for field in doc.fields],
        "tag": [],
    }
    optional = {
        "followers": doc.followers,
        "following": doc.following,
        "featured": doc.featured,
        "url": doc.url,
        "icon": image(doc.icon) if doc.icon else None,
        "image": image(doc.image) if doc.image else None,
        "published": format_time(doc.published) if doc.published else None,
        "movedTo": doc.moved_to,
        "alsoKnownAs": list(doc.also_known_as) or None,
        "endpoints": {"sharedInbox": doc.shared_inbox} if doc.shared_inbox else None,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    if doc.type == "Group":
        _add_group_terms(out, doc)
    return out


def _add_group_terms(out: dict[str, Any], doc: ActorDoc) -> None:
    # Lemmy's group (crates/apub/assets/lemmy/objects/group.json; interop brief §3.2): the
    # moderators collection under both `attributedTo` (FEP-1b12) and the older `moderators`.
    if doc.moderators:
        out["attributedTo"] = doc.moderators
        out["moderators"] = doc.moderators
    out["postingRestrictedToMods"] = doc.posting_restricted_to_mods
    out["sensitive"] = doc.sensitive
    if doc.members_only:
        out["membersOnly"] = True


def _activity(meta: ActivityDoc, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": ap_context(),
        "id": meta.id,
        "type": kind,
        "actor": meta.actor,
        "object": obj,
    }
    if meta.to:
        out["to"] = list(meta.to)
    if meta.cc:
        out["cc"] = list(meta.cc)
    if meta.audience:
        out["audience"] = meta.audience
    if meta.published:
        out["published"] = format_time(meta.published)
    out.update(extra)
    return out


def _ref(activity: ActivityRef) -> dict[str, Any]:
    return {
        "id": activity.id,
        "type": activity.type,
        "actor": activity.actor,
        "object": activity.object,
    }


def _object_value(value: str | Mapping[str, Any] | ActivityRef) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, ActivityRef):
        return _ref(value)
    return embed(dict(value))


def render_create(meta: ActivityDoc, obj: Mapping[str, Any]) -> dict[str, Any]:
    return _activity(meta, "Create", _object_value(obj))


def render_update(meta: ActivityDoc, obj: Mapping[str, Any]) -> dict[str, Any]:
    """An edited post (give it `updated`: Mastodon ignores edits without) or actor."""
    return _activity(meta, "Update", _object_value(obj))


def render_delete(meta: ActivityDoc, obj: str | Mapping[str, Any]) -> dict[str, Any]:
    """Delete of a post (embed `render_tombstone(...)`) or of an actor (its id)."""
    return _activity(meta, "Delete", _object_value(obj))


def render_follow(meta: ActivityDoc, followee: str) -> dict[str, Any]:
    return _activity(meta, "Follow", followee)


def render_accept(meta: ActivityDoc, follow: ActivityRef | str) -> dict[str, Any]:
    """Accept with our own id; the Follow embedded so Misskey can match it (takahe #323)."""
    return _activity(meta, "Accept", _object_value(follow))


def render_reject(meta: ActivityDoc, follow: ActivityRef | str) -> dict[str, Any]:
    return _activity(meta, "Reject", _object_value(follow))


def render_undo(meta: ActivityDoc, activity: ActivityRef | Mapping[str, Any]) -> dict[str, Any]:
    """Undo, embedding the original activity with its id (Follow, Like, Announce, Block)."""
    return _activity(meta, "Undo", _object_value(activity))


def render_like(meta: ActivityDoc, obj: str, content: str | None = None) -> dict[str, Any]:
    extra = {"content": content} if content else {}
    return _activity(meta, "Like", obj, **extra)


def render_announce(meta: ActivityDoc, obj: str | Mapping[str, Any]) -> dict[str, Any]:
    """A boost (object id), or a group relaying a member's activity unchanged (FEP-1b12)."""
    return _activity(meta, "Announce", _object_value(obj))


def render_add(meta: ActivityDoc, obj: str, target: str) -> dict[str, Any]:
    """Pin (target = `featured`) or add a moderator (target = moderators collection)."""
    return _activity(meta, "Add", obj, target=target)


def render_remove(meta: ActivityDoc, obj: str, target: str) -> dict[str, Any]:
    return _activity(meta, "Remove", obj, target=target)


def render_block(meta: ActivityDoc, blocked: str) -> dict[str, Any]:
    return _activity(meta, "Block", blocked)


def render_flag(meta: ActivityDoc, objects: Sequence[str], content: str) -> dict[str, Any]:
    """A report, sent by the instance actor, `object` = [actor, post ids...] (docs "Reporting")."""
    return _activity(meta, "Flag", list(objects), content=content)


def render_move(meta: ActivityDoc, old_actor: str, new_actor: str) -> dict[str, Any]:
    """Account migration; the new actor must list the old one in `alsoKnownAs`."""
    return _activity(meta, "Move", old_actor, target=new_actor)


def _items(items: Sequence[str | Mapping[str, Any]]) -> list[Any]:
    return [item if isinstance(item, str) else embed(dict(item)) for item in items]


def render_collection(
    collection_id: str,
    total_items: int | None,
    *,
    first: str | None = None,
    last: str | None = None,
    items: Sequence[str | Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An OrderedCollection: a count and a link to the first page (Mastodon's paging), or the
    items inline for short ones, or only the count (Lemmy's group followers)."""
    out: dict[str, Any] = {
        "@context": ap_context(),
        "id": collection_id,
        "type": "OrderedCollection",
    }
    if total_items is not None:
        out["totalItems"] = total_items
    if first:
        out["first"] = first
    if last:
        out["last"] = last
    if items is not None:
        out["orderedItems"] = _items(items)
    return out


def render_collection_page(
    page_id: str,
    part_of: str,
    items: Sequence[str | Mapping[str, Any]],
    *,
    next_page: str | None = None,
    prev_page: str | None = None,
    total_items: int | None = None,
) -> dict[str, Any]:
    """One OrderedCollectionPage with `partOf` and `next`/`prev` (Mastodon's fetch-all-replies
    walks these, docs admin/config "Fetch All Replies")."""
    out: dict[str, Any] = {
        "@context": ap_context(),
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": _items(items),
    }
    if total_items is not None:
        out["totalItems"] = total_items
    if next_page:
        out["next"] = next_page
    if prev_page:
        out["prev"] = prev_page
    return out
