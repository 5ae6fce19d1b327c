"""axe-core finds no serious or critical accessibility problem on the main pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from node.services.accounts import accounts
from node.services.kernel.db import Database
from tests.support.live import LiveNode
from tests.support.people import local_person
from tests.support.web import sign_in_page

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"


def _violations(page: Page) -> list[str]:
    if not AXE.exists():
        message = f"{AXE.name} is missing: `make test` installs tests/js with npm"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Evaluated, not added as a <script> tag: the pages' Content-Security-Policy refuses inline
    # and injected scripts, and Playwright's evaluate runs outside it.
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results
        if v["impact"] in {"serious", "critical"}
    ]


def _set_up_pages(node: LiveNode) -> str:
    async def create() -> str:
        db = await Database.connect(str(node.settings.database_url), min_size=1, max_size=1)
        try:
            await accounts.create_account(db, "ana", "ana@district.example")
            link = await accounts.ensure_first_admin(db, node.settings.public_host)
            assert link is not None
            return link.token
        finally:
            await db.close()

    token: str = node.call(create())
    return token


@pytest.mark.parametrize("width", [1024, 360])
def test_main_pages_have_no_serious_accessibility_violations(
    page: Page, live_node: LiveNode, width: int
) -> None:
    token = _set_up_pages(live_node)
    page.set_viewport_size({"width": width, "height": 800})
    problems = {}
    for path in (
        "/",
        "/sign-in",
        "/@ana",
        "/no-such-page",
        f"/set-password/{token}",
        "/sign-up",
        "/sign-up/resend",
        "/password-reset",
    ):
        page.goto(live_node.url + path)
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}


SIGNED_IN_PAGES = (
    "/", "/local", "/federated", "/tags/science", "/@ana", "/notifications", "/bookmarks",
    "/search?q=ana", "/follow-requests", "/settings",
)  # fmt: skip


@pytest.mark.parametrize("width", [1024, 360])
def test_signed_in_pages_have_no_serious_accessibility_violations(
    page: Page, live_node: LiveNode, width: int
) -> None:
    from node.services.accounts import oauth, sessions
    from node.services.posts import posts, reactions
    from node.services.posts.polls import PollDraft

    async def create() -> tuple[int, int]:
        ctx = live_node.ctx
        ana = await local_person(ctx, "ana")
        cal = await accounts.create_account(ctx.db, "cal", "cal@district.example")
        post = await posts.create_post(ctx, ana, "A #science fair with a **poll**",
                                       summary="About the fair",
                                       poll=PollDraft(("Thursday", "Friday")))  # fmt: skip
        await posts.edit_post(ctx, ana, post.id, "A #science fair with a **poll**, edited")
        await reactions.like(ctx, cal, post.id)
        # The settings page then lists another browser and an app, each with its button.
        await sessions.start_session(ctx.db, ana.id, "Mozilla/5.0 (X11; Linux) Firefox/128.0",
                                     "10.0.0.2")  # fmt: skip
        app = await oauth.register_app(ctx.db, "Tusky", "urn:ietf:wg:oauth:2.0:oob", "read", None)
        await oauth.issue_token(ctx.db, oauth.TokenRequest(
            "password", app.app.client_id, app.client_secret, username="ana",
            password="correct horse 1"), "127.0.0.1")  # fmt: skip
        return post.id, ana.id

    post_id, _ = live_node.call(create())
    refused: list[str] = []  # what the Content-Security-Policy blocked, as Chromium reports it
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_page(page, live_node, "ana")
    problems = {}
    paths = (*SIGNED_IN_PAGES, f"/@ana/{post_id}", f"/@ana/{post_id}/history",
             f"/posts/{post_id}/edit")  # fmt: skip
    for path in paths:
        page.goto(live_node.url + path)
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")  # check what is folded away too
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}
    assert refused == []
    page.goto(live_node.url + "/settings")  # the lists axe checked were there
    assert page.get_by_role("button", name="Sign out everywhere else").is_visible()
    assert page.get_by_role("button", name="Revoke access of Tusky").is_visible()
