"""A person signs up in Chromium, confirms the address from the mail the node really sent,
and signs in; an address outside the district's domains is refused in plain words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from node.domain.accounts import Role
from node.services.accounts import accounts, signup
from node.services.kernel.db import Database
from tests.browser.test_accessibility import _violations
from tests.conftest import free_port
from tests.support.databases import TestDatabases, run_sync
from tests.support.live import LiveNode
from tests.support.nodes import node_settings
from tests.support.people import PASSWORD
from tests.support.smtp import MailCatcher, link_in

RULE = "Only addresses at district.example can join this node"


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def district_node(
    databases: TestDatabases, tmp_path: Path, mail: MailCatcher
) -> Iterator[LiveNode]:
    """A live node, open to addresses at district.example, mailing through `mail`."""
    dsn = run_sync(databases.create())
    settings = replace(node_settings(dsn, tmp_path / "data", free_port()), smtp_url=mail.url)
    node = LiveNode(settings)
    node.start()

    async def open_to_the_district() -> None:
        db = await Database.connect(dsn, min_size=1, max_size=1)
        try:
            admin = await accounts.create_account(
                db, "principal", "principal@district.example", role=Role.ADMIN, password=PASSWORD
            )
            await signup.update_policy(db, admin, "open", "district.example")
        finally:
            await db.close()

    node.call(open_to_the_district())
    yield node
    node.stop()


def _fill_sign_up(page: Page, email: str) -> None:
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()


def test_sign_up_confirm_from_the_mail_and_sign_in(
    page: Page, district_node: LiveNode, mail: MailCatcher
) -> None:
    page.goto(district_node.url + "/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.locator("#domains-explained")).to_have_text(RULE + ".")
    _fill_sign_up(page, "ana@district.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_role("status")).to_contain_text("We sent a link to ana@district.example")

    page.goto(link_in(mail.last_to("ana@district.example"), "/verify/"))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address is confirmed")

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="@ana")).to_be_visible()


def test_an_address_at_another_domain_is_refused_with_the_reason(
    page: Page, district_node: LiveNode, mail: MailCatcher
) -> None:
    page.goto(district_node.url + "/sign-up")
    _fill_sign_up(page, "ana@gmail.example")
    expect(page.get_by_role("alert")).to_contain_text(RULE)
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("ana@gmail.example")
    expect(page.locator("#email-error")).to_have_text(RULE)
    assert mail.messages == []
    assert _violations(page) == []  # the form with its errors is accessible too


def test_the_admin_sign_up_page_is_accessible(page: Page, district_node: LiveNode) -> None:
    page.goto(district_node.url + "/sign-in?next=/admin/sign-up")
    page.get_by_label("Username").fill("principal")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-up settings")
    expect(page.get_by_label("Open")).to_be_checked()
    for width in (1024, 360):
        page.set_viewport_size({"width": width, "height": 800})
        assert _violations(page) == []
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False, f"the admin page scrolls sideways at {width}px"
