"""Who sees a post, by its visibility, on the timelines and threads of
node.services.posts.timelines: the author always, followers what is for followers, the people
a post mentions what it mentions them in, everyone else only what is public."""

from __future__ import annotations

from node.domain.accounts import Account
from node.domain.errors import NotFound
from node.services.kernel.context import NodeContext
from node.services.posts import posts, timelines
from node.services.social import follows
from tests.support.people import local_person

# visibility -> who may read the post (None: someone signed out)
MAY_READ = {
    "public": {"ana", "fola", "stan", "menno", None},
    "unlisted": {"ana", "fola", "stan", "menno", None},
    "followers": {"ana", "fola", "menno"},
    "direct": {"ana", "menno"},
}


async def _reads(ctx: NodeContext, viewer: Account | None, post_id: int) -> bool:
    try:
        await timelines.thread(ctx, viewer, post_id)
    except NotFound:
        return False
    return True


async def test_each_visibility_reaches_exactly_its_readers(ctx: NodeContext) -> None:
    people = {name: await local_person(ctx, name) for name in ("ana", "fola", "stan", "menno")}
    await follows.follow(ctx, people["fola"], "@ana")
    made = {
        visibility: await posts.create_post(
            ctx, people["ana"], f"A {visibility} note for @menno", visibility=visibility
        )
        for visibility in MAY_READ
    }

    viewers: dict[str | None, Account | None] = {**people, None: None}
    for visibility, post in made.items():
        readers = {name for name, viewer in viewers.items() if await _reads(ctx, viewer, post.id)}
        assert readers == MAY_READ[visibility], visibility
    # Timelines list what their reader may see, newest first; unlisted posts stay off the
    # public timeline, and a direct message is no follower's business.
    public = [made["public"].id]
    assert [p.id for p in await timelines.public(ctx, None, local=False)] == public
    assert [p.id for p in await timelines.public(ctx, people["stan"], local=True)] == public
    home = [made[v].id for v in ("followers", "unlisted", "public")]
    assert [p.id for p in await timelines.home(ctx, people["fola"])] == home
    assert await timelines.home(ctx, people["stan"]) == []
    _, on_profile = await timelines.profile(ctx, people["stan"], "ana")
    assert [p.id for p in on_profile] == [made[v].id for v in ("unlisted", "public")]
