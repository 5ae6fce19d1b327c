"""Where the files that ship with the node live, installed or in a checkout.

In a wheel, templates and migrations are packaged under `node/` (see pyproject.toml); in a
checkout they sit at the top of the repository (docs/architecture.md).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def templates_dir() -> Path:
    return _shipped("templates")


def migrations_dir() -> Path:
    return _shipped("migrations")


def static_dir() -> Path:
    return _PACKAGE / "web" / "static"
