"""Typed inbound values produced by `federation.parse`.

These are the wire vocabulary after it has been checked: plain frozen dataclasses with no
behaviour beyond small derived properties. HTML fields (`Object.content`, `Actor.summary`,
`PropertyField.value`) are already sanitised; `name`/`summary` of posts and actor names are plain
text and must be escaped by whoever renders them. `dict[str, Any]` never appears here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from federation.vocab import ActorType, is_public

ObjectType = Literal[
    "Note", "Article", "Page", "Question", "Event", "Image", "Video", "Audio", "Document"
]
ActivityType = Literal[
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Like", "Announce",
    "Block", "Flag", "Move", "Add", "Remove", "Join", "Leave",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParseError:
    """The document cannot be used: why, in words fit for a log line or a job's last_error."""

    reason: str


@dataclass(frozen=True, slots=True)
class UnknownType:
    """A well-formed document of a type we do not handle (the inbox answers 202 and drops it)."""

    type: str


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An RSA key in the `publicKey` block (security/v1)."""

    id: str
    owner: str
    pem: str


@dataclass(frozen=True, slots=True)
class Multikey:
    """An FEP-521a `assertionMethod` key (Fedify, Mitra)."""

    id: str
    controller: str
    public_key_multibase: str


@dataclass(frozen=True, slots=True)
class PropertyField:
    """A profile field (`PropertyValue`); `value` is sanitised HTML."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Mention:
    href: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Hashtag:
    """`name` without the leading `#`."""

    name: str
    href: str | None


@dataclass(frozen=True, slots=True)
class Emoji:
    """A custom emoji; `shortcode` without the surrounding colons."""

    shortcode: str
    icon_url: str
    id: str | None
    updated: datetime | None


Tag = Mention | Hashtag | Emoji


@dataclass(frozen=True, slots=True)
class Attachment:
    type: str
    url: str
    media_type: str | None
    name: str | None
    blurhash: str | None
    width: int | None
    height: int | None
    focal_point: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class PollOption:
    name: str
    votes: int


@dataclass(frozen=True, slots=True)
class Poll:
    multiple: bool
    options: tuple[PollOption, ...]
    end_time: datetime | None
    closed: bool
    closed_at: datetime | None
    voters_count: int | None


@dataclass(frozen=True, slots=True)
class EventInfo:
    start_time: datetime | None
    end_time: datetime | None
    location_name: str | None
    timezone: str | None
    join_mode: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    type: ActorType
    preferred_username: str
    name: str | None
    summary: str
    inbox: str
    outbox: str | None
    shared_inbox: str | None
    followers: str | None
    following: str | None
    featured: str | None
    url: str | None
    icon_url: str | None
    image_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    indexable: bool
    public_keys: tuple[PublicKey, ...]
    multikeys: tuple[Multikey, ...]
    fields: tuple[PropertyField, ...]
    emojis: tuple[Emoji, ...]
    moderators: str | None
    posting_restricted_to_mods: bool
    also_known_as: tuple[str, ...]
    moved_to: str | None
    published: datetime | None

    @property
    def public_key(self) -> PublicKey | None:
        """The first (usually only) RSA key."""
        return self.public_keys[0] if self.public_keys else None

    @property
    def is_bot(self) -> bool:
        # Mastodon shows Service/Application actors as bots (docs "Profile federation").
        return self.type in ("Service", "Application")

    def key_by_id(self, key_id: str) -> PublicKey | None:
        return next((key for key in self.public_keys if key.id == key_id), None)


@dataclass(frozen=True, slots=True)
class Object:
    """A post-like object (Note, Article, Page, Question, Event, or a media object)."""

    id: str
    type: ObjectType
    attributed_to: str
    name: str | None
    content: str
    summary: str | None
    sensitive: bool
    in_reply_to: str | None
    published: datetime | None
    updated: datetime | None
    url: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    tags: tuple[Tag, ...]
    attachments: tuple[Attachment, ...]
    language: str | None
    image_url: str | None
    poll: Poll | None
    event: EventInfo | None
    context: str | None
    conversation: str | None
    quote: str | None

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return tuple(tag for tag in self.tags if isinstance(tag, Mention))

    @property
    def hashtags(self) -> tuple[Hashtag, ...]:
        return tuple(tag for tag in self.tags if isinstance(tag, Hashtag))

    @property
    def emojis(self) -> tuple[Emoji, ...]:
        return tuple(tag for tag in self.tags if isinstance(tag, Emoji))

    @property
    def is_public(self) -> bool:
        return any(is_public(address) for address in (*self.to, *self.cc))


@dataclass(frozen=True, slots=True)
class Tombstone:
    id: str
    former_type: str | None
    deleted: datetime | None


@dataclass(frozen=True, slots=True)
class Activity:
    """An activity. `object` is a reference (id string) or the embedded, parsed value.

    `object_ids` lists every id in `object` (a `Flag` reports several); `content` is a `Flag`
    comment or a `Like` reaction (Misskey `_misskey_reaction`, Akkoma `EmojiReact`).
    """

    id: str
    type: ActivityType
    actor: str
    object: str | Object | Tombstone | Actor | Activity | None
    object_ids: tuple[str, ...]
    target: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: tuple[str, ...]
    content: str | None
    published: datetime | None
    tags: tuple[Tag, ...]

    @property
    def object_id(self) -> str | None:
        if isinstance(self.object, str):
            return self.object
        if self.object is None:
            return None
        return self.object.id
