"""Signed-in browsers (web sessions): how long one lasts and what is kept about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NewType

WebSessionId = NewType("WebSessionId", int)

SESSION_LIFETIME = timedelta(days=30)
# "Last used" is refreshed at most this often, so a page view is not also a write.
LAST_SEEN_EVERY = timedelta(minutes=5)
MAX_USER_AGENT = 300
MAX_CLIENT_ADDR = 100


@dataclass(frozen=True, slots=True)
class WebSession:
    id: WebSessionId
    account_id: int
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    client_addr: str
    current: bool = False


def clean_user_agent(value: str | None) -> str:
    """What is kept of a User-Agent header: printable, and short."""
    text = "".join(c for c in (value or "") if c.isprintable())
    return text[:MAX_USER_AGENT]


def browser_of(user_agent: str) -> str:
    """A short name for the settings page ("Firefox on Windows"); the raw header otherwise."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser is None:
        return user_agent[:80] or "Unknown browser"
    return f"{browser} on {system}" if system else browser


# Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("CrOS", "ChromeOS"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
