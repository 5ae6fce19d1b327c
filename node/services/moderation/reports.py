"""Reports: a person tells this node's moderators about someone (and some of their posts).

A report is stored for the moderators (admins and moderators of this node), with a copy of
each reported post as it was, so deleting a post afterwards does not remove the evidence. For
someone elsewhere, `forward` also sends the report to their server as a Flag from our instance
actor, so the reporter stays anonymous there (Mastodon's ReportService does the same).
"""

from __future__ import annotations

from collections.abc import Sequence

from federation.render import render_flag
from node.domain.accounts import Account, Role
from node.domain.errors import Forbidden, NotFound, ValidationFailed
from node.services.kernel import federate
from node.services.kernel.context import NodeContext
from node.storage.actors.remote_actors import RemoteActor
from node.storage.moderation import reports as store
from node.storage.moderation.reports import Report, ReportedPost
from node.storage.pool import Conn
from node.storage.posts import timelines as timeline_store
from node.storage.posts.timelines import PostView

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000  # Mastodon's limit
MAX_POSTS = 40
PAGE = 40

__all__ = ["CATEGORIES", "PAGE", "NotModerator", "Report", "ReportedPost", "may_moderate"]


class NotModerator(Forbidden):
    """Only this node's admins and moderators read reports."""


def may_moderate(account: Account) -> bool:
    return account.role in (Role.ADMIN, Role.MODERATOR)


async def file_report(
    ctx: NodeContext,
    reporter: Account,
    *,
    local: Account | None = None,
    remote: RemoteActor | None = None,
    post_ids: Sequence[int] = (),
    comment: str = "",
    category: str | None = None,
    forward: bool = False,
) -> Report:
    """Store a report about `local` or `remote`. The posts must be theirs and ones the reporter
    may see (NotFound otherwise, so a report cannot probe for hidden posts)."""
    if local is not None and local.id == reporter.id:
        raise ValidationFailed("account", "you cannot report yourself")
    if local is None and remote is None:
        raise ValueError("report whom? pass local or remote")
    kind = category or "other"
    if kind not in CATEGORIES:
        raise ValidationFailed("category", f"{kind[:40]!r} is not a report category")
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed("comment", f"Comment is too long (at most {MAX_COMMENT})")
    wanted = list(dict.fromkeys(post_ids))[:MAX_POSTS]
    forwarded = forward and remote is not None
    async with ctx.db.transaction() as conn:
        found = await timeline_store.by_ids(conn, reporter.id, wanted) if wanted else []
        theirs = [p for p in found if _written_by(p, local, remote)]
        if len(theirs) != len(wanted):
            raise NotFound("Record not found")
        report = await store.insert_report(
            conn, reporter.id, target_account=local.id if local else None,
            target_remote=remote.id if remote else None, category=kind, comment=comment,
            forwarded=forwarded,
            posts=[ReportedPost(p.id, p.uri, p.content_html) for p in sorted(theirs, key=_id)],
        )  # fmt: skip
        if forwarded and remote is not None:
            await _forward(ctx, conn, report, remote)
    return report


async def _forward(ctx: NodeContext, conn: Conn, report: Report, remote: RemoteActor) -> None:
    """Tell their server: a Flag of the actor and the posts, with the comment. No account:
    the instance actor signs it, and the reporter is not named."""
    objects = [remote.uri, *(p.uri for p in report.posts)]
    await federate.send(
        ctx, conn, federate.Sender.instance(ctx.urls),
        lambda meta, ids: render_flag(meta, ids, report.comment), objects,
        federate.Audience.person(remote.uri),
    )  # fmt: skip


def _id(post: PostView) -> int:
    return post.id


def _written_by(post: PostView, local: Account | None, remote: RemoteActor | None) -> bool:
    if local is not None:
        return post.author_account == local.id
    return remote is not None and post.author_remote == remote.id


async def list_reports(
    ctx: NodeContext, moderator: Account, *, max_id: int | None = None, open_only: bool = True
) -> list[Report]:
    """Reports for a moderator, newest first."""
    if not may_moderate(moderator):
        raise NotModerator("only this node's admins and moderators read reports")
    async with ctx.db.connection() as conn:
        return await store.list_reports(conn, PAGE, max_id, open_only=open_only)
