"""Input values for `federation.render`: what the node hands over to be turned into AS2.

Plain frozen dataclasses with no knowledge of the node's models; the node's `services.federate`
maps its domain objects onto these. Every id is minted by the caller on its own host (never a
remote id reused, interop brief §0 item 6). HTML fields (`content`, `summary` of an actor,
`ProfileField.value`) are HTML the node produced itself; `name` fields are plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from federation.vocab import ActorType


@dataclass(frozen=True, slots=True)
class ImageRef:
    url: str
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ActorDoc:
    id: str
    type: ActorType
    preferred_username: str
    inbox: str
    outbox: str
    public_key_pem: str
    followers: str | None = None
    following: str | None = None
    name: str = ""
    summary: str = ""
    url: str | None = None
    shared_inbox: str | None = None
    featured: str | None = None
    manually_approves_followers: bool = False
    # Off unless the person opted in: many of our users are minors (interop brief §9.6).
    discoverable: bool = False
    indexable: bool = False
    icon: ImageRef | None = None
    image: ImageRef | None = None
    fields: tuple[ProfileField, ...] = ()
    published: datetime | None = None
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None
    # Groups only (Lemmy, FEP-1b12): the moderators collection and posting restriction.
    moderators: str | None = None
    posting_restricted_to_mods: bool = False
    members_only: bool = False
    sensitive: bool = False

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"


@dataclass(frozen=True, slots=True)
class MentionRef:
    href: str
    name: str


@dataclass(frozen=True, slots=True)
class HashtagRef:
    """`name` without the `#`."""

    name: str
    href: str


@dataclass(frozen=True, slots=True)
class EmojiRef:
    """`shortcode` without colons."""

    shortcode: str
    icon_url: str
    id: str | None = None
    media_type: str | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class MediaDoc:
    url: str
    media_type: str
    type: str = "Document"
    name: str | None = None
    blurhash: str | None = None
    width: int | None = None
    height: int | None = None
    focal_point: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class NoteDoc:
    """A post: rendered as Note, Article, Page, Question or Event."""

    id: str
    attributed_to: str
    content: str
    published: datetime
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    url: str | None = None
    name: str | None = None
    summary: str | None = None
    sensitive: bool = False
    in_reply_to: str | None = None
    updated: datetime | None = None
    language: str | None = None
    mentions: tuple[MentionRef, ...] = ()
    hashtags: tuple[HashtagRef, ...] = ()
    emojis: tuple[EmojiRef, ...] = ()
    attachments: tuple[MediaDoc, ...] = ()
    audience: str | None = None
    context: str | None = None
    replies: str | None = None
    image: ImageRef | None = None
    direct_message: bool = False
    stickied: bool | None = None  # a group thread: pinned or not (Lemmy's term)


@dataclass(frozen=True, slots=True)
class PollOptionDoc:
    name: str
    votes: int = 0


@dataclass(frozen=True, slots=True)
class PollDoc:
    options: tuple[PollOptionDoc, ...]
    multiple: bool = False
    end_time: datetime | None = None
    closed: datetime | None = None
    voters_count: int | None = None


@dataclass(frozen=True, slots=True)
class EventDoc:
    start_time: datetime
    end_time: datetime | None = None
    location_name: str | None = None
    timezone: str | None = None
    join_mode: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityDoc:
    """What every activity carries besides its object: our id, our actor, its audience."""

    id: str
    actor: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    audience: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivityRef:
    """A minimal embedded activity ({id, type, actor, object}) for Accept/Reject/Undo."""

    id: str
    type: str
    actor: str
    object: str
