"""Text from outside made storable: the one cleaning both edges apply to what they read.

PostgreSQL's text cannot hold U+0000, and UTF-8 cannot encode a surrogate code point (Python
strings can hold them: `json.loads('"\\ud800"')`). Either one reaching a query is an error
there, so the edges clean every value they read before anything else sees it: U+0000 is
dropped (it is invisible and means nothing in text), a surrogate pair is joined into the
character it encodes, and a lone surrogate becomes U+FFFD, as a UTF-8 decoder shows a broken
byte. Cleaning rather than refusing: a pasted text with a stray NUL is still the text its
author meant, and a 422 would name a character they cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without U+0000 and with no surrogate code points (pairs joined, lone ones U+FFFD)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_value(value: Any) -> Any:
    """A parsed JSON value (or anything holding strings) with every string cleaned, keys too;
    values of other types are returned as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, Mapping):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    return value


def clean_pairs(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a multidict (a form, a query string), cleaned, in order."""
    return [(clean_text(name), clean_value(value)) for name, value in pairs]
