"""A person signs in through the real form in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.live import LiveNode
from tests.support.people import PASSWORD
from tests.support.web import live_person


def test_signing_in_through_the_form_shows_the_signed_in_page(
    page: Page, live_node: LiveNode
) -> None:
    live_person(live_node, "ana")
    page.goto(live_node.url + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, ana")
    expect(page.locator(".signed-in")).to_contain_text("@ana@127.0.0.1")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_wrong_password_shows_the_error(page: Page, live_node: LiveNode) -> None:
    live_person(live_node, "ana")
    page.goto(live_node.url + "/sign-in")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("that username and password do not match")
    expect(page.get_by_label("Username")).to_have_value("ana")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_the_layout_works_at_360_pixels_and_by_keyboard(page: Page, live_node: LiveNode) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_node.url + "/sign-in")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False, "nothing scrolls sideways on a small phone"
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "username")
