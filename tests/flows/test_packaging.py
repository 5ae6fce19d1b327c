"""A plain (non-editable) install carries templates, static files and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("commonroom-*.whl")
    return built


def test_wheel_ships_templates_static_files_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.glob("templates/*.html"):
        assert f"node/templates/{path.name}" in names
    for path in ROOT.glob("migrations/*.sql"):
        assert f"node/migrations/{path.name}" in names
    assert "node/web/static/site.css" in names
    assert "federation/__init__.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "commonroom = node.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_finds_its_own_files(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import node.paths as p, node.cli;"
        "print(p.templates_dir()); print(p.migrations_dir()); print(p.static_dir())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    templates, migrations, static = (Path(line) for line in result.stdout.split())
    for directory in (templates, migrations, static):
        assert directory.is_relative_to(target), f"{directory} comes from the installed copy"
        assert any(directory.iterdir())
    assert (templates / "base.html").exists()
    helped = subprocess.run(
        [sys.executable, "-m", "node", "--help"],
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for command in ("run", "web", "worker", "migrate", "user", "invite", "db"):
        assert command in helped.stdout
