"""What the settings page calls a signed-in browser, and what is kept of its User-Agent."""

from __future__ import annotations

import pytest

from node.domain.sessions import MAX_USER_AGENT, browser_of, clean_user_agent

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (CHROME_WIN, "Chrome on Windows"),
        (CHROME_WIN + " Edg/126.0.0.0", "Edge on Windows"),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPadOS",
        ),
        ("toot/0.45", "toot/0.45"),
        ("", "Unknown browser"),
    ],
)
def test_browsers_get_a_short_name_people_recognise(user_agent: str, shown: str) -> None:
    assert browser_of(user_agent) == shown


def test_only_a_short_printable_user_agent_is_kept() -> None:
    kept = clean_user_agent("Firefox/128\n\x00" + "x" * 1000)
    assert kept.startswith("Firefox/128x") and len(kept) == MAX_USER_AGENT
    assert clean_user_agent(None) == ""
