"""Who may see what (docs/architecture.md, "Visibility"). Every surface asks `may_see`; list
queries use the SQL twin in node.storage.visibility, and the leak-matrix tests hold the two to
the same answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Visibility = Literal["public", "unlisted", "followers", "direct"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "unlisted", "followers", "direct")


@dataclass(frozen=True, slots=True)
class PostFacts:
    visibility: str
    local_only: bool
    author_account: int | None
    author_remote: int | None
    # Set on posts in a group; visibility "group" means the group's members only.
    group_account: int | None = None
    group_remote: int | None = None


@dataclass(frozen=True, slots=True)
class ViewerFacts:
    """The viewer and its relation to one post's author.

    `account_id` is a signed-in local person; `remote_actor_id` a remote actor identified by a
    signed fetch; both None for an anonymous visitor or an unsigned fetch.
    """

    account_id: int | None = None
    remote_actor_id: int | None = None
    follows_author: bool = False
    mentioned: bool = False
    blocked_by_author: bool = False
    # A member of the post's group (an accepted follow of it), or the group actor itself.
    member_of_group: bool = False

    @property
    def is_local(self) -> bool:
        return self.account_id is not None


def is_author(post: PostFacts, viewer: ViewerFacts) -> bool:
    if post.author_account is not None:
        return post.author_account == viewer.account_id
    return post.author_remote is not None and post.author_remote == viewer.remote_actor_id


def may_see(post: PostFacts, viewer: ViewerFacts) -> bool:
    if is_author(post, viewer):
        return True
    if viewer.blocked_by_author:
        return False
    # Local-only posts are for people signed in here: never federated, never fetched.
    if post.local_only and not viewer.is_local:
        return False
    if post.visibility in ("public", "unlisted"):
        return True
    if post.visibility == "group":
        # Members-only groups: membership alone decides; a mention lets no one in.
        return viewer.member_of_group
    if post.visibility == "followers":
        return viewer.follows_author or viewer.mentioned
    return viewer.mentioned


def is_listed(post: PostFacts) -> bool:
    """Shown on public timelines, hashtag pages and feeds: public posts only. (Search also
    finds what the searcher may see, e.g. a followers-only post of someone they follow.)"""
    return post.visibility == "public"


GROUP_VISIBILITY = "group"
