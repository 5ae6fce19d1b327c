"""The running version's source as a gzipped tarball, for `GET /source` (AGPL-3.0 §13: a
network server offers its users the Corresponding Source).

Built from the files this process runs (the `node` and `federation` packages, templates and
migrations, wherever node.paths finds them), so it is the source of this version even when
the code was changed locally, which a link to a repository would not be.
"""

from __future__ import annotations

import functools
import io
import tarfile
from pathlib import Path

import federation
import node
from node.paths import migrations_dir, templates_dir

_SKIPPED = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})


def _roots() -> list[tuple[str, Path]]:
    return [
        ("node", Path(node.__file__).resolve().parent),
        ("federation", Path(federation.__file__).resolve().parent),
        ("templates", templates_dir()),
        ("migrations", migrations_dir()),
    ]


def _files(root: Path) -> list[Path]:
    return sorted(
        path for path in root.rglob("*")
        if path.is_file() and not _SKIPPED & set(path.relative_to(root).parts)
        and path.suffix not in {".pyc", ".pyo"}
    )  # fmt: skip


@functools.cache
def source_archive(prefix: str) -> bytes:
    """`prefix/node/…`, `prefix/federation/…`, `prefix/templates/…`, `prefix/migrations/…`,
        in a stable order with fixed times, so the same code gives the same bytes. Made once per
    process: the code a process runs does not change under it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
        for name, root in _roots():
            if not root.is_dir():
                continue
            for path in _files(root):
                info = tarfile.TarInfo(f"{prefix}/{name}/{path.relative_to(root).as_posix()}")
                data = path.read_bytes()
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
