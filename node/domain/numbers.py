"""Numbers as people and programs type them: the one place that reads one.

Only ASCII digits count: `str.isdigit` also accepts superscripts and other scripts' digits
("¹", "٣"), which `int` then refuses or reads in ways nobody meant.
"""

from __future__ import annotations

MAX_DIGITS = 18  # fits a PostgreSQL bigint, whatever the digits are


def whole_number(text: str | None, *, maximum: int | None = None) -> int | None:
    """The whole number `text` spells in ASCII digits (surrounding spaces allowed), else None;
    also None above `maximum`."""
    digits = (text or "").strip()
    if not digits or len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return None if maximum is not None and value > maximum else value
