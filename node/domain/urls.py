"""The one place that builds and parses our own ids and URLs (docs/architecture.md)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

_USER_PATH = re.compile(r"^/users/([A-Za-z0-9_]{1,30})$")


@dataclass(frozen=True, slots=True)
class Urls:
    base: str  # scheme://host[:port], no trailing slash

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    # The instance actor (FEP-d556, FEP-2677): an Application fetchable without a signature.
    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_key_id(self) -> str:
        return f"{self.instance_actor}#main-key"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def moderators(self, username: str) -> str:
        """A group's moderators collection (FEP-1b12 `attributedTo`, Lemmy `moderators`)."""
        return f"{self.actor(username)}/moderators"

    def group_page(self, username: str) -> str:
        return f"{self.base}/groups/{username}"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def post(self, username: str, post_id: int) -> str:
        return f"{self.actor(username)}/statuses/{post_id}"

    def post_page(self, username: str, post_id: int) -> str:
        return f"{self.base}/@{username}/{post_id}"

    def new_activity(self) -> str:
        """A fresh id for an activity we emit (never reuse a remote id: interop brief §0.6)."""
        return f"{self.base}/activities/{uuid.uuid4()}"

    def is_local(self, uri: str) -> bool:
        return uri.startswith(self.base + "/")

    def username_of_actor(self, uri: str) -> str | None:
        """The username when `uri` is one of our people's actor ids (or its key id)."""
        if not self.is_local(uri):
            return None
        match = _USER_PATH.match(urlsplit(uri.split("#")[0]).path)
        return match.group(1) if match else None
