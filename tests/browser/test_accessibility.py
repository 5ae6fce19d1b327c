"""axe-core finds no serious or critical accessibility problem on the main pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from node.services import accounts
from node.services.db import Database
from tests.support.live import LiveNode

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"


def _violations(page: Page) -> list[str]:
    if not AXE.exists():
        message = f"{AXE.name} is missing: `make test` installs tests/js with npm"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE))
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
