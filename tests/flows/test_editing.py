"""Editing keeps a visible history; pinning fills the featured collection."""

from __future__ import annotations

import re

from node.services.posts import posts
from tests.support.federation import FlowNode
from tests.support.html import csrf_token
from tests.support.web import browser_session, sign_in_session


async def test_edit_through_the_form_keeps_history_and_pin_features_the_post(
    node: FlowNode,
) -> None:
    ana = await node.user("ana")
    post = await posts.create_post(node.ctx, ana, "Field trip on Monday")
    async with browser_session() as http:
        await sign_in_session(http, node.url, "ana")
        edit_page = await (await http.get(f"{node.url}/posts/{post.id}/edit")).text()
        assert "Field trip on Monday" in edit_page
        saved = await http.post(f"{node.url}/posts/{post.id}/edit", data={
            "text": "Field trip moved to Tuesday", "_csrf": csrf_token(edit_page)})  # fmt: skip
        page = await saved.text()
        assert saved.status == 200, page[page.find("<main") :][:600]
        assert "Field trip moved to Tuesday" in page
        assert f'href="/@ana/{post.id}/history"' in page
        history = await (await http.get(f"{node.url}/@ana/{post.id}/history")).text()
        assert re.search(
            r"Before .*</h2>\s*<div class=\"post-body\"><p>Field trip on Monday", history, re.S
        )
        await http.post(f"{node.url}/posts/{post.id}/pin", data={"_csrf": csrf_token(page)})
        featured = await http.get(
            node.ctx.urls.featured("ana"), headers={"Accept": "application/activity+json"}
        )
        document = await featured.json(content_type=None)
    assert document["totalItems"] == 1
    assert document["orderedItems"][0]["id"] == post.uri
    assert "Tuesday" in document["orderedItems"][0]["content"]


async def test_someone_elses_post_cannot_be_edited(node: FlowNode) -> None:
    ana = await node.user("ana")
    await node.user("bob")
    post = await posts.create_post(node.ctx, ana, "Mine")
    async with browser_session() as http:
        await sign_in_session(http, node.url, "bob")
        response = await http.get(f"{node.url}/posts/{post.id}/edit")
        assert response.status == 404


async def test_an_edit_replaces_the_hashtags(node: FlowNode) -> None:
    ana = await node.user("ana")
    post = await posts.create_post(node.ctx, ana, "Trip to the #museum")
    await posts.edit_post(node.ctx, ana, post.id, "Trip to the #zoo instead")
    async with node.ctx.db.connection() as conn:
        tags = await conn.fetch("SELECT tag FROM post_hashtags WHERE post_id = $1", post.id)
    assert [row["tag"] for row in tags] == ["zoo"]
