"""Read what a person would read off a page: form tokens, headings, alerts."""

from __future__ import annotations

import re


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)
