"""Headless Chromium (Debian's package) driven by Playwright, and a live node to point it at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import free_port
from tests.support.databases import TestDatabases, run_sync
from tests.support.live import LiveNode
from tests.support.nodes import node_settings

CHROMIUM = os.environ.get("COMMONROOM_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, which this closed
# network refuses (tooling notes, "Browser tests").
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-crash-reporter",
    "--disable-breakpad",
    "--disable-component-update",
]


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, which would stop pytest-asyncio from running the async tests of later modules.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium is not installed at {CHROMIUM}; `make test` installs it as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # under CI a browser that cannot run is a failure
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def live_node(databases: TestDatabases, tmp_path: Path) -> Iterator[LiveNode]:
    dsn = run_sync(databases.create())
    node = LiveNode(node_settings(dsn, tmp_path / "data", free_port()))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def second_node(databases: TestDatabases, tmp_path: Path) -> Iterator[LiveNode]:
    dsn = run_sync(databases.create())
    node = LiveNode(node_settings(dsn, tmp_path / "data2", free_port()))
    node.start()
    yield node
    node.stop()
