"""Polls across nodes: a Question federates, remote votes count, closing tells everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.domain.errors import ValidationFailed
from node.services.posts import polls, posts
from node.services.posts.polls import PollDraft
from node.services.social import follows
from tests.support.federation import FlowNode, run_until_idle
from tests.support.html import csrf_token
from tests.support.web import browser_session, sign_in_session


async def _one(node: FlowNode, query: str, *args: object) -> object:
    async with node.ctx.db.connection() as conn:
        return await conn.fetchval(query, *args)


async def test_a_poll_is_voted_on_from_two_nodes_and_closed(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana, cal = await a.user("ana"), await a.user("cal")
    ben = await b.user("ben")
    await follows.follow(b.ctx, ben, a.ctx.urls.actor("ana"))
    await run_until_idle(a, b)
    question = await posts.create_post(
        a.ctx,
        ana,
        "Which day for the science fair?",
        poll=PollDraft(("Thursday", "Friday"), duration=timedelta(hours=1)),
    )
    await run_until_idle(a, b)
    on_b = await _one(b, "SELECT id FROM posts WHERE uri = $1", question.uri)
    assert isinstance(on_b, int)
    assert await _one(b, "SELECT options FROM polls WHERE post_id = $1", on_b) == [
        "Thursday", "Friday"]  # fmt: skip

    await polls.vote(b.ctx, ben, on_b, [1])
    await polls.vote(a.ctx, cal, question.id, [0])
    with pytest.raises(ValidationFailed):
        await polls.vote(a.ctx, cal, question.id, [1])
    await run_until_idle(a, b)
    assert await _one(a, "SELECT counts FROM polls WHERE post_id = $1", question.id) == [1, 1]
    assert await _one(a, "SELECT voters_count FROM polls WHERE post_id = $1", question.id) == 2

    async with a.ctx.db.connection() as conn:
        await conn.execute("UPDATE polls SET ends_at = now() - interval '1 second'")
    await run_until_idle(a, b)  # the polls queue closes it and sends Update(Question)
    assert await _one(b, "SELECT closed_at IS NOT NULL FROM polls WHERE post_id = $1", on_b)
    assert await _one(b, "SELECT counts FROM polls WHERE post_id = $1", on_b) == [1, 1]
    told = await _one(
        a, "SELECT count(*) FROM notifications WHERE kind = 'poll' AND post_id = $1", question.id
    )
    assert told == 2, "the author and the local voter hear the results"


async def test_voting_through_the_form_shows_results(pair: tuple[FlowNode, FlowNode]) -> None:
    a, _ = pair
    ana = await a.user("ana")
    await a.user("cal")
    question = await posts.create_post(
        a.ctx, ana, "Book club pick?", poll=PollDraft(("Wonder", "Holes", "Matilda"))
    )
    async with browser_session() as http:
        await sign_in_session(http, a.url, "cal")
        page = await (await http.get(f"{a.url}/@ana/{question.id}")).text()
        assert 'type="radio" name="choice" value="2"' in page
        voted = await http.post(f"{a.url}/posts/{question.id}/vote",
                                data={"choice": "2", "_csrf": csrf_token(page)},
                                headers={"Referer": f"{a.url}/@ana/{question.id}"})  # fmt: skip
        result = await voted.text()
    assert 'Matilda <span class="hint">(your vote)</span>' in result
    assert "100% · 1" in result
