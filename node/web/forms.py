"""Small helpers for reading submitted forms."""

from __future__ import annotations

from collections.abc import Mapping


def form_text(form: Mapping[str, object], name: str, max_length: int = 10_000) -> str:
    value = form.get(name)
    return value[:max_length] if isinstance(value, str) else ""
