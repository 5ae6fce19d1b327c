"""The streams a client can ask the streaming API for, as Mastodon 4.3's streaming server names
them (`streaming/index.js`: channelNameToIds), and which of them hear of a post.

Whether a stream hears of a post is decided from what the timelines' own SQL conditions found
(node.storage.streaming.payloads.PostAudience), so a stream carries what its timeline shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from node.domain.policies import PostFacts, ViewerFacts, is_author, is_listed, may_see
from node.domain.text import normalise_tag
from node.storage.streaming.payloads import PostAudience

__all__ = ["Channel", "StreamError", "parse_channel"]

# Mastodon's error messages (streaming/index.js), which clients show or log as they are.
UNKNOWN_STREAM = "Unknown stream type"
MISSING_TAG = "Missing tag name parameter"
MISSING_LIST = "Missing list name parameter"
MISSING_SCOPES = "Access token does not have the required scopes"
# For someone else's list, a list that does not exist and an id that is not one alike.
NOT_YOUR_LIST = "Not authorized to stream this list"

_MAX_ID = 2**63 - 1  # bigint


class StreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Kind = Literal["user", "notification", "public", "hashtag", "list", "direct"]
Origin = Literal["any", "local", "remote"]

# The streams that carry statuses (update, status.update, delete). `notification` carries
# notifications, `direct` conversations; `user` carries both.
STATUS_KINDS: frozenset[Kind] = frozenset({"user", "public", "hashtag", "list"})

_STREAMS: dict[str, tuple[Kind, Origin, bool]] = {
    "user": ("user", "any", False),
    "user:notification": ("notification", "any", False),
    "public": ("public", "any", False),
    "public:media": ("public", "any", True),
    "public:local": ("public", "local", False),
    "public:local:media": ("public", "local", True),
    "public:remote": ("public", "remote", False),
    "public:remote:media": ("public", "remote", True),
    "hashtag": ("hashtag", "any", False),
    "hashtag:local": ("hashtag", "local", False),
    "list": ("list", "any", False),
    "direct": ("direct", "any", False),
}


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    kind: Kind
    origin: Origin = "any"
    media: bool = False
    tag: str | None = None  # normalised, for matching
    list_id: int | None = None
    shown: str | None = None  # the tag or list as the client wrote it, echoed in `stream`

    @property
    def stream(self) -> tuple[str, ...]:
        return (self.name, self.shown) if self.shown else (self.name,)

    @property
    def scope(self) -> str:
        # Mastodon's checkScopes: read:statuses for every stream but the notification one
        # (a list's stream too, although its REST timeline asks for read:lists).
        return "read:notifications" if self.kind == "notification" else "read:statuses"


def parse_channel(name: str, tag: str | None = None, list_param: str | None = None) -> Channel:
    """A stream as Mastodon names it (`hashtag:local` + tag, `list` + list id); StreamError
    otherwise (400; 401 for a list id that cannot be one). Whether the list is the person's own
    is checked when subscribing."""
    known = _STREAMS.get(name)
    if known is None:
        raise StreamError(400, UNKNOWN_STREAM)
    kind, origin, media = known
    if kind == "hashtag":
        shown = (tag or "").strip().lstrip("#")
        if not shown:
            raise StreamError(400, MISSING_TAG)
        return Channel(name, kind, origin, media, tag=normalise_tag(shown), shown=shown)
    if kind == "list":
        shown = (list_param or "").strip()
        if not shown:
            raise StreamError(400, MISSING_LIST)
        if not (shown.isascii() and shown.isdigit()) or int(shown) > _MAX_ID:
            raise StreamError(401, NOT_YOUR_LIST)
        return Channel(name, kind, list_id=int(shown), shown=shown)
    return Channel(name, kind, origin, media)


def hears_post(channel: Channel, account_id: int, audience: PostAudience) -> bool:
    """Whether this stream of this person carries a post written or edited now."""
    if channel.kind == "user":
        return account_id in audience.in_home
    if channel.kind == "list":
        return channel.list_id in audience.lists
    if channel.kind not in STATUS_KINDS or account_id not in audience.listed:
        return False
    if channel.tag is not None and channel.tag not in audience.tags:
        return False
    if channel.media and not audience.has_media:
        return False
    return channel.origin == "any" or (channel.origin == "local") == audience.local


def hears_delete(
    channel: Channel, facts: PostFacts, viewer: ViewerFacts, lists_with_author: frozenset[int]
) -> bool:
    """Whoever could have been sent the post. Its tags, media and the post it replied to went
    with the row, so every hashtag and media stream that could have carried a public post, and
    every list of its author, hears of its deletion: an id clients ignore if they do not show
    it."""
    if channel.kind not in STATUS_KINDS or not may_see(facts, viewer):
        return False
    if channel.kind == "user":
        return is_author(facts, viewer) or viewer.follows_author or viewer.mentioned
    if channel.kind == "list":
        return channel.list_id in lists_with_author
    if not is_listed(facts):
        return False
    local = facts.author_account is not None
    return channel.origin == "any" or (channel.origin == "local") == local
