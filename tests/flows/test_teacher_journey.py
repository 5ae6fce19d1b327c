"""Issue 4's cross-node story through the web forms: a teacher on node A finds @ben@nodeB from
the search box, follows, sees Ben's post on her home timeline, replies; Ben is notified."""

from __future__ import annotations

import re

import aiohttp

from tests.support.federation import FlowNode, run_until_idle
from tests.support.html import csrf_token
from tests.support.web import signed_in_session


async def _post(http: aiohttp.ClientSession, node: FlowNode, **fields: str) -> str:
    home = await (await http.get(f"{node.url}/")).text()
    response = await http.post(f"{node.url}/posts", data={"_csrf": csrf_token(home), **fields})
    assert response.status == 200, await response.text()
    return str(response.url)


async def test_find_follow_read_and_reply_across_nodes(pair: tuple[FlowNode, FlowNode]) -> None:
    a, b = pair
    await a.user("ana")
    await b.user("ben")
    ana, ben = await signed_in_session(a.url, "ana"), await signed_in_session(b.url, "ben")
    try:
        found = await (await ana.get(f"{a.url}/search", params={"q": f"@ben@{b.host}"})).text()
        assert f"@ben@{b.host}" in found
        await ana.post(f"{a.url}/follow", data={
            "_csrf": csrf_token(found), "target": b.ctx.urls.actor("ben")})  # fmt: skip
        await run_until_idle(a, b)

        await _post(ben, b, text="Free **fractions** worksheets for #maths teachers",
                    summary="Long post", visibility="public")  # fmt: skip
        await run_until_idle(a, b)
        home = await (await ana.get(f"{a.url}/")).text()
        assert "<strong>fractions</strong>" in home, "Ben's post is on Ana's home timeline"
        assert "Long post" in home, "with its content warning"
        post_id = re.search(r'action="/posts/(\d+)/like"', home)
        assert post_id, "Ana can act on Ben's post"
        ben_post_uri = re.search(r'href="(http://[^"]+/@ben/\d+)"', home)
        assert ben_post_uri

        await ana.post(f"{a.url}/posts/{post_id.group(1)}/like", data={"_csrf": csrf_token(home)})
        reply_to = (
            b.ctx.urls.base + "/users/ben/statuses/" + ben_post_uri.group(1).rsplit("/", 1)[1]
        )
        await _post(ana, a, text=f"@ben@{b.host} thank you!", in_reply_to=reply_to)
        await run_until_idle(a, b)

        bells = await (await ben.get(f"{b.url}/notifications")).text()
        assert "replied to your post" in bells
        assert "liked your post" in bells
        assert "followed you" in bells
        assert "thank you!" in bells
        thread = await (await ben.get(ben_post_uri.group(1).replace(a.url, b.url))).text()
        assert "thank you!" in thread, "the reply threads under Ben's post on his node"
    finally:
        await ana.close()
        await ben.close()


async def test_mentions_notify_and_show_an_unread_count(pair: tuple[FlowNode, FlowNode]) -> None:
    a, _ = pair
    await a.user("ana")
    await a.user("cal")
    ana, cal = await signed_in_session(a.url, "ana"), await signed_in_session(a.url, "cal")
    try:
        page = await _post(ana, a, text="Staff meeting moved, @cal", visibility="direct")
        assert "/@ana/" in page
        home = await (await cal.get(f"{a.url}/")).text()
        assert 'class="badge">1<span class="visually-hidden"> unread' in home
        bells = await (await cal.get(f"{a.url}/notifications")).text()
        assert "mentioned you" in bells
        again = await (await cal.get(f"{a.url}/")).text()
        assert 'visually-hidden"> unread' not in again, "reading them clears the count"
        assert "Staff meeting moved" in again, "a direct mention reaches the home timeline"
    finally:
        await ana.close()
        await cal.close()
