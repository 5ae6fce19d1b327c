"""Turn what a person typed into a post: resolve mentions, render Markdown, find hashtags."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from node.domain.errors import DomainError
from node.domain.text import Mention, MentionTarget, Rendered, find_mentions, render_markdown
from node.services.actors import directory
from node.services.kernel.context import NodeContext
from node.storage.accounts import accounts as account_store
from node.storage.posts.extras import StoredMention

log = logging.getLogger(__name__)

MAX_MENTIONS = 20


@dataclass(frozen=True, slots=True)
class Composed:
    rendered: Rendered
    mentions: list[StoredMention]


async def compose(ctx: NodeContext, text: str) -> Composed:
    targets: dict[str, MentionTarget] = {}
    stored: dict[str, StoredMention] = {}
    for mention in find_mentions(text)[:MAX_MENTIONS]:
        resolved = await _resolve(ctx, mention)
        if resolved is None:
            continue
        target, record = resolved
        targets[mention.key] = target
        stored[target.href] = record
    rendered = render_markdown(text, targets, lambda tag: f"{ctx.urls.base}/tags/{tag}")
    used = {t.href for t in rendered.mentioned}
    return Composed(
        rendered=rendered,
        mentions=[m for uri, m in stored.items() if uri in used],
    )


async def _resolve(
    ctx: NodeContext, mention: Mention
) -> tuple[MentionTarget, StoredMention] | None:
    if mention.host is None or mention.host.lower() == ctx.urls.host.lower():
        async with ctx.db.connection() as conn:
            account = await account_store.get_active_account_by_username(conn, mention.username)
        if account is None:
            return None
        uri = ctx.urls.actor(account.username)
        acct = f"{account.username}@{ctx.urls.host}"
        target = MentionTarget(uri, account.username, acct)
        return target, StoredMention(uri, acct, account.id)
    try:
        actor = await directory.find_actor(ctx, f"@{mention.username}@{mention.host}")
    except DomainError as error:
        log.info("mention @%s@%s not resolved: %s", mention.username, mention.host, error)
        return None
    target = MentionTarget(actor.uri, actor.username, actor.handle)
    return target, StoredMention(actor.uri, actor.handle, None)
