"""Groups in Chromium: a teacher on one node creates a group, a teacher on another node finds
it, joins it and starts a thread that the first node shows; and the group pages pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from tests.browser.test_accessibility import _violations
from tests.support.live import LiveNode
from tests.support.web import live_person, sign_in_page


def _drain(*nodes: LiveNode) -> None:
    for _ in range(3):
        for node in nodes:
            node.drain()


def test_a_teacher_elsewhere_finds_joins_and_posts_in_a_group(
    page: Page, browser: Browser, live_node: LiveNode, second_node: LiveNode
) -> None:
    # Given a teacher on node A who creates a group through the form
    live_person(live_node, "owen")
    live_person(second_node, "ben")
    sign_in_page(page, live_node, "owen")
    page.get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("link", name="Create a group").click()
    page.get_by_label("Short name").fill("bookclub")
    page.get_by_label("Name", exact=True).fill("Book club")
    page.get_by_label("Description").fill("Novels for Year 9 teachers")
    page.get_by_label("Subjects").fill("English, literature")
    page.get_by_role("button", name="Create the group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book club")
    expect(page.locator(".member-state")).to_contain_text("You are the owner")

    # When a teacher on node B finds it from the directory, joins, and starts a thread
    host_a = live_node.settings.public_host
    other = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    try:
        sign_in_page(other, second_node, "ben")
        other.get_by_role("link", name="Groups", exact=True).click()
        other.get_by_label("The group's handle or address").fill(f"bookclub@{host_a}")
        other.get_by_role("button", name="Find the group").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Book club")
        expect(other).to_have_url(re.compile(rf"/groups/bookclub@{re.escape(host_a)}$"))
        other.get_by_role("button", name="Join the group").click()
        _drain(second_node, live_node)
        other.reload()
        expect(other.locator(".member-state")).to_contain_text("You are a member")
        other.get_by_label("Title").fill("Week 3: chapter five")
        other.get_by_label("Your post").fill("What did you make of the *ending*?")
        other.get_by_role("button", name="Start the thread").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Week 3: chapter five")
    finally:
        other.context.close()
    _drain(second_node, live_node)

    # Then the thread is on the group's page on node A, and opens there
    page.goto(live_node.url + "/groups/bookclub")
    link = page.get_by_role("link", name="Week 3: chapter five")
    expect(link).to_be_visible()
    expect(page.locator(".thread-item")).to_contain_text(f"@ben@{second_node.settings.public_host}")
    link.click()
    expect(page.locator(".post-body em")).to_have_text("ending")


@pytest.mark.parametrize("width", [1024, 360])
def test_group_pages_have_no_serious_accessibility_violations(
    page: Page, live_node: LiveNode, width: int
) -> None:
    owen, ana = live_person(live_node, "owen"), live_person(live_node, "ana")

    async def create() -> int:
        ctx = live_node.ctx
        settings = GroupSettings(
            name="Book club", description="Novels for Year 9", rules="Be kind",
            join_policy="approval", subjects=("English",), grades=("9",),
        )  # fmt: skip
        group = await groups.create_group(ctx, owen, "bookclub", settings)
        await groups.join(ctx, ana, group)
        thread_id = await group_posts.start_thread(ctx, owen, group, "Reading list", "Ideas?")
        await group_posts.reply(ctx, owen, thread_id, "**Holes**, by Louis Sachar")
        await group_posts.set_flag(ctx, owen, thread_id, "pinned", True)
        return thread_id

    thread_id = live_node.call(create())
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_page(page, live_node, "owen")
    problems = {}
    for path in (
        "/groups", "/groups?q=english", "/groups/new", "/groups/bookclub",
        f"/groups/bookclub/threads/{thread_id}", "/groups/bookclub/members",
        "/groups/bookclub/requests", "/groups/bookclub/settings",
    ):  # fmt: skip
        page.goto(live_node.url + path)
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}
