"""A teacher's day in Chromium: write with a content warning, follow a colleague on another
node from the search box, read a notification."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from node.services.posts import posts, reactions
from tests.support.live import LiveNode
from tests.support.web import live_person, sign_in_page


def test_compose_a_post_with_a_content_warning_and_an_image_with_alt_text(
    page: Page, live_node: LiveNode, tmp_path: Path
) -> None:
    image = tmp_path / "chart.png"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(image)
    live_person(live_node, "ana")
    sign_in_page(page, live_node, "ana")
    page.get_by_label("Share something with colleagues").fill("Answers to **quiz 3** inside")
    page.get_by_text("Add an image").click()
    page.get_by_label("Image", exact=False).first.set_input_files(str(image))
    page.get_by_text("Audience and content warning").click()
    page.get_by_label("Content warning").fill("Spoilers for quiz 3")
    page.get_by_role("button", name="Post", exact=True).click()
    # Without alt text the composer refuses the image and says why; nothing is posted.
    expect(page.get_by_role("alert")).to_contain_text("describe the image")
    page.goto(live_node.url + "/")
    expect(page.locator(".feed")).to_have_count(0)

    page.get_by_label("Share something with colleagues").fill("Answers to **quiz 3** inside")
    page.get_by_text("Add an image").click()
    page.get_by_label("Image", exact=False).first.set_input_files(str(image))
    page.get_by_label("Describe the image").fill("Bar chart of quiz 3 scores")
    page.get_by_text("Audience and content warning").click()
    page.get_by_label("Content warning").fill("Spoilers for quiz 3")
    page.get_by_role("button", name="Post", exact=True).click()
    warning = page.locator("details.content-warning").first
    expect(warning.locator("summary")).to_contain_text("Spoilers for quiz 3")
    body = warning.locator(".post-body")
    expect(body).to_be_hidden()
    warning.locator("summary").click()
    expect(body.locator("strong")).to_have_text("quiz 3")
    expect(warning.get_by_role("img", name="Bar chart of quiz 3 scores")).to_be_visible()


def test_follow_a_colleague_on_another_node_from_the_search_box(
    page: Page, live_node: LiveNode, second_node: LiveNode
) -> None:
    live_person(live_node, "ana")
    ben = live_person(second_node, "ben")
    sign_in_page(page, live_node, "ana")
    page.get_by_role("link", name="Search").click()
    host = second_node.settings.public_host
    page.get_by_label("Find a colleague").fill(f"@ben@{host}")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".result .handle")).to_have_text(f"@ben@{host}")
    page.get_by_role("button", name="Follow", exact=True).click()
    for _ in range(3):
        live_node.drain()
        second_node.drain()
    second_node.call(posts.create_post(second_node.ctx, ben, "Robotics club starts next week"))
    for _ in range(3):
        second_node.drain()
        live_node.drain()
    page.get_by_role("link", name="Commonroom").click()
    expect(page.locator(".feed")).to_contain_text("Robotics club starts next week")


def test_read_a_notification(page: Page, live_node: LiveNode) -> None:
    ana, cal = live_person(live_node, "ana"), live_person(live_node, "cal")
    post = live_node.call(posts.create_post(live_node.ctx, ana, "Lesson plan for Monday"))
    live_node.call(reactions.like(live_node.ctx, cal, post.id))
    sign_in_page(page, live_node, "ana")
    bell = page.get_by_role("link", name="Notifications 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.locator(".notifications li").first).to_contain_text("cal")
    expect(page.locator(".notifications li").first).to_contain_text("liked your post")
    page.get_by_role("link", name="Commonroom").click()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
