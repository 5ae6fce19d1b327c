"""Posts -> AS2 objects: Note, Article, Page, Question, Event, Tombstone.

The shape follows what Mastodon emits and reads (`app/serializers/activitypub/note_serializer.rb`,
interop brief §5.3): single `attributedTo`, `contentMap` with exactly one entry equal to
`content` when the language is known (GoToSocial uses that match to find the language,
docs/federation/posts.md), mentions and hashtags in `tag`, media in `attachment`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from federation.render_docs import (
    EmojiRef,
    EventDoc,
    HashtagRef,
    ImageRef,
    MediaDoc,
    MentionRef,
    NoteDoc,
    PollDoc,
)
from federation.vocab import ap_context


def format_time(moment: datetime) -> str:
    """xsd:dateTime in UTC with a `Z`, second precision (as Mastodon sends it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def embed(document: dict[str, Any]) -> dict[str, Any]:
    """A document without its `@context`, for embedding inside another one."""
    return {key: value for key, value in document.items() if key != "@context"}


def image(ref: ImageRef) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Image", "url": ref.url}
    if ref.media_type:
        out["mediaType"] = ref.media_type
    return out


def _mention(ref: MentionRef) -> dict[str, Any]:
    return {"type": "Mention", "href": ref.href, "name": ref.name}


def _hashtag(ref: HashtagRef) -> dict[str, Any]:
    return {"type": "Hashtag", "href": ref.href, "name": f"#{ref.name}"}


def emoji(ref: EmojiRef) -> dict[str, Any]:
    icon: dict[str, Any] = {"type": "Image", "url": ref.icon_url}
    if ref.media_type:
        icon["mediaType"] = ref.media_type
    out: dict[str, Any] = {"type": "Emoji", "name": f":{ref.shortcode}:", "icon": icon}
    if ref.id:
        out["id"] = ref.id
    if ref.updated:
        out["updated"] = format_time(ref.updated)
    return out


def _media(doc: MediaDoc) -> dict[str, Any]:
    out: dict[str, Any] = {"type": doc.type, "mediaType": doc.media_type, "url": doc.url}
    # Mastodon emits alt text as `name`; `null` when there is none.
    out["name"] = doc.name
    if doc.blurhash:
        out["blurhash"] = doc.blurhash
    if doc.width is not None and doc.height is not None:
        out["width"], out["height"] = doc.width, doc.height
    if doc.focal_point is not None:
        out["focalPoint"] = list(doc.focal_point)
    return out


def _post(doc: NoteDoc, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": ap_context(),
        "id": doc.id,
        "type": kind,
        "attributedTo": doc.attributed_to,
        "published": format_time(doc.published),
        "to": list(doc.to),
        "cc": list(doc.cc),
        "content": doc.content,
        "sensitive": doc.sensitive,
        "tag": [
            *map(_mention, doc.mentions),
            *map(_hashtag, doc.hashtags),
            *map(emoji, doc.emojis),
        ],
        "attachment": [_media(item) for item in doc.attachments],
    }
    if doc.language:
        out["contentMap"] = {doc.language: doc.content}
    optional = {
        "url": doc.url,
        "name": doc.name,
        "summary": doc.summary,
        "inReplyTo": doc.in_reply_to,
        "updated": format_time(doc.updated) if doc.updated else None,
        "audience": doc.audience,
        "context": doc.context,
        "replies": doc.replies,
        "image": image(doc.image) if doc.image else None,
        "stickied": doc.stickied,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    if doc.direct_message:
        out["directMessage"] = True  # litepub; helps Pleroma/Akkoma show it as a DM
    return out


def render_note(doc: NoteDoc) -> dict[str, Any]:
    return _post(doc, "Note")


def render_article(doc: NoteDoc) -> dict[str, Any]:
    """A long post (FEP-b2b8): `name` is the title. Leave `summary` unset unless it is a CW,
    because Mastodon shows an Article's summary as a content warning (interop brief §5.4)."""
    return _post(doc, "Article")


def render_page(doc: NoteDoc) -> dict[str, Any]:
    """A titled thread, as Lemmy sends posts (`Page`, requires `name`)."""
    return _post(doc, "Page")


def render_question(doc: NoteDoc, poll: PollDoc) -> dict[str, Any]:
    """A poll: options as Notes with `replies.totalItems` (docs "Polls")."""
    out = _post(doc, "Question")
    options = [
        {
            "type": "Note",
            "name": option.name,
            "replies": {"type": "Collection", "totalItems": option.votes},
        }
        for option in poll.options
    ]
    out["anyOf" if poll.multiple else "oneOf"] = options
    if poll.end_time:
        out["endTime"] = format_time(poll.end_time)
    if poll.closed:
        out["closed"] = format_time(poll.closed)
    if poll.voters_count is not None:
        out["votersCount"] = poll.voters_count
    return out


def render_event(doc: NoteDoc, event: EventDoc) -> dict[str, Any]:
    """An Event with Mobilizon's terms; make `content` self-contained for Mastodon readers."""
    out = _post(doc, "Event")
    out["startTime"] = format_time(event.start_time)
    if event.end_time:
        out["endTime"] = format_time(event.end_time)
    if event.location_name:
        out["location"] = {"type": "Place", "name": event.location_name}
    if event.timezone:
        out["timezone"] = event.timezone
    if event.join_mode:
        out["joinMode"] = event.join_mode
    return out


def render_tombstone(
    object_id: str, former_type: str | None = None, deleted: datetime | None = None
) -> dict[str, Any]:
    """What a deleted object's URL serves (with 410), and what a Delete embeds."""
    out: dict[str, Any] = {"@context": ap_context(), "id": object_id, "type": "Tombstone"}
    if former_type:
        out["formerType"] = former_type
    if deleted:
        out["deleted"] = format_time(deleted)
    return out
