"""Groups (FEP-1b12): settings, roles, and the rules for who may join, post and moderate.

A group is an actor; membership is an accepted follow of it (docs/architecture.md "Groups").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from node.domain.accounts import validate_username
from node.domain.errors import ValidationFailed

JoinPolicy = Literal["open", "approval", "invite"]
JOIN_POLICIES: tuple[JoinPolicy, ...] = ("open", "approval", "invite")
GroupRole = Literal["owner", "moderator", "member"]
JoinOutcome = Literal["accepted", "pending", "refused"]

MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_RULES = 4000
MAX_TAGS = 10
MAX_TITLE = 200
_TAG = re.compile(r"^[\w][\w .+-]{0,39}$")


@dataclass(frozen=True, slots=True)
class GroupSettings:
    name: str
    description: str = ""
    rules: str = ""
    join_policy: JoinPolicy = "open"
    members_only: bool = False
    subjects: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    members_listed: bool = True

    def validate(self) -> GroupSettings:
        if not self.name.strip() or len(self.name) > MAX_NAME:
            raise ValidationFailed("name", f"name the group in at most {MAX_NAME} characters")
        if len(self.description) > MAX_DESCRIPTION:
            raise ValidationFailed("description", f"keep it under {MAX_DESCRIPTION} characters")
        if len(self.rules) > MAX_RULES:
            raise ValidationFailed("rules", f"keep the rules under {MAX_RULES} characters")
        if self.join_policy not in JOIN_POLICIES:
            raise ValidationFailed("join_policy", f"choose one of {', '.join(JOIN_POLICIES)}")
        for field, tags in (("subjects", self.subjects), ("grades", self.grades)):
            if len(tags) > MAX_TAGS or not all(_TAG.match(tag) for tag in tags):
                raise ValidationFailed(
                    field, f"up to {MAX_TAGS} short tags of letters, digits and spaces"
                )
        return self


# Words the group pages use after /groups/ (`/groups/new`): no group may be called that.
RESERVED_SLUGS = frozenset({"new", "search", "find"})


def validate_group_slug(slug: str) -> str:
    validate_username(slug)
    if slug.lower() in RESERVED_SLUGS:
        raise ValidationFailed("slug", f"{slug!r} is a word the site uses; choose another")
    return slug


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags as typed in a form: trimmed, de-duplicated, order kept."""
    seen: dict[str, None] = {}
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag and tag.lower() not in {t.lower() for t in seen}:
            seen[tag] = None
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Membership:
    """One person's standing in one group."""

    role: GroupRole | None  # None: not a member
    pending: bool = False  # a join request waits for a moderator
    invited: bool = False

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def moderates(self) -> bool:
        return self.role in ("owner", "moderator")


def join_outcome(policy: JoinPolicy, invited: bool) -> JoinOutcome:
    """What a request to join becomes: open groups let anyone in, approval groups queue the
    request for a moderator, invite-only groups let in only the invited."""
    if policy == "open" or invited:
        return "accepted"
    if policy == "approval":
        return "pending"
    return "refused"


def may_post(membership: Membership, thread_locked: bool) -> bool:
    """Members start threads and reply; a locked thread takes replies from moderators only."""
    if not membership.is_member:
        return False
    return membership.moderates or not thread_locked


def title_from_text(text: str) -> str:
    """A thread's title from a post without one (a Mastodon user's mention): its first line,
    as Lemmy does (interop brief §6.2), without the leading mentions."""
    for line in text.splitlines():
        words = [w for w in line.split() if not w.startswith("@")]
        if words:
            title = " ".join(words)
            return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
    return "Untitled"


def validate_title(title: str) -> str:
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed("title", f"give the thread a title of 1 to {MAX_TITLE} characters")
    return title
