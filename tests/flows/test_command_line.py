"""The command line contract (README.md, "Command line"), exercised as subprocesses on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import free_port
from tests.support.databases import TestDatabases, run_sync
from tests.support.processes import (
    COMMAND,
    node_env,
    postgres_processes_for,
    run_command,
    wait_for_http,
    wait_until,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir() -> Path:
    # Under /tmp rather than pytest's 0700 directory, so the server user can reach it as root.
    directory = Path(tempfile.mkdtemp(prefix="commonroom-cli-"))
    directory.chmod(0o755)
    return directory / "var"


def test_run_on_an_empty_data_dir_serves_and_stops_its_postgres(data_dir: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "run", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}"],
        env=node_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/") == 200
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz") == 200
        assert postgres_processes_for(data_dir / "postgres"), "the embedded server runs"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "/set-password/" in stdout, "the first admin is told how to sign in"
    assert postgres_processes_for(data_dir / "postgres") == []


def test_second_run_reuses_the_cluster_and_sigint_stops_it(data_dir: Path) -> None:
    first = run_command("migrate", "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "run", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}"],
        env=node_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz") == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 0
    assert postgres_processes_for(data_dir / "postgres") == []


def test_migrate_reports_an_up_to_date_database(data_dir: Path) -> None:
    run_command("migrate", "--data-dir", str(data_dir))
    again = run_command("migrate", "--data-dir", str(data_dir))
    assert again.returncode == 0
    assert "up to date" in again.stdout


def test_two_concurrent_migrate_commands_are_safe(databases: TestDatabases) -> None:
    dsn = run_sync(databases.create_empty())
    env = node_env(DATABASE_URL=dsn)
    runs = [
        subprocess.Popen([*COMMAND, "migrate"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert sum("up to date" in out for out in outputs) == 1

    async def count() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            value: int = await conn.fetchval("SELECT count(*) FROM schema_migrations")
            return value
        finally:
            await conn.close()

    assert run_sync(count()) == len(list(Path("migrations").glob("*.sql")))


def test_user_and_invite_commands(databases: TestDatabases, tmp_path: Path) -> None:
    env = node_env(DATABASE_URL=run_sync(databases.create()))
    data = ["--data-dir", str(tmp_path / "var"), "--public-url", "https://school.example"]
    made = run_command(
        "user",
        "create",
        "Maya",
        "--email",
        "maya@district.example",
        "--role",
        "moderator",
        *data,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert "created @Maya (moderator)" in made.stdout
    assert "https://school.example/set-password/" in made.stdout
    taken = run_command("user", "create", "maya", "--email", "x@district.example", *data, env=env)
    assert taken.returncode == 2
    assert taken.stderr.strip() == "commonroom: username: that username is already taken"
    invite = run_command("invite", "create", "--uses", "5", "--expires", "7", *data, env=env)
    assert invite.returncode == 0, invite.stderr
    assert "5 use(s)" in invite.stdout and "expires" in invite.stdout
    assert "https://school.example/sign-up?invite=" in invite.stdout


def test_db_url_prints_the_embedded_dsn(data_dir: Path) -> None:
    result = run_command("db", "url", "--data-dir", str(data_dir))
    assert result.returncode == 0
    assert result.stdout.startswith("postgresql://postgres@/commonroom?host=")
    with_env = run_command("db", "url", env=node_env(DATABASE_URL="postgresql://u@db.example/x"))
    assert with_env.stdout.strip() == "postgresql://u@db.example/x"


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_bad_configuration_gets_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    data = str(tmp_path / "var")
    _one_line_error(
        run_command("run", "--data-dir", data, "--public-url", "ftp://school.example"),
        "public URL",
    )
    _one_line_error(
        run_command("run", "--data-dir", data, "--public-url", "https://school.example/path"),
        "public URL",
    )
    _one_line_error(run_command("run", "--data-dir", "/dev/null/var"), "data dir", "/dev/null")
    closed = free_port()
    _one_line_error(
        run_command(
            "migrate",
            "--data-dir",
            data,
            env=node_env(DATABASE_URL=f"postgresql://u@127.0.0.1:{closed}/x"),
        ),
        "cannot reach the database",
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        _one_line_error(
            run_command("run", "--data-dir", data, "--listen", f"127.0.0.1:{port}"),
            "already in use",
            str(port),
        )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an unprivileged user")
def test_embedded_postgres_runs_for_a_normal_user_too(tmp_path: Path) -> None:
    try:
        subprocess.run([*COMMAND[:1], "-c", "pass"], user="nobody", check=True, timeout=30)
    except PermissionError:
        # Justified skip: the interpreter lives under a 0700 home here, so no other user can
        # start it; the root path (the server run as an unprivileged user) is tested above.
        pytest.skip("this Python interpreter cannot be executed by an unprivileged user")
    directory = Path(tempfile.mkdtemp(prefix="commonroom-user-"))
    directory.chmod(0o777)
    script = (
        "from pathlib import Path; from node.storage.embedded import EmbeddedPostgres as E;"
        f"e = E(Path({str(directory / 'var')!r})); e.start(); print(e.dsn); e.stop()"
    )
    result = subprocess.run(
        [*COMMAND[:1], "-c", script],
        user="nobody",
        env=node_env(),
        cwd=os.getcwd(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql://postgres@/commonroom" in result.stdout
    owner = (directory / "var" / "postgres").stat().st_uid
    assert owner == int(subprocess.check_output(["id", "-u", "nobody"]).decode())
    wait_until(
        lambda: postgres_processes_for(directory / "var" / "postgres") == [],
        "the server's processes to exit",
    )


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def test_web_with_two_processes_shares_the_port_and_stops_cleanly(
    databases: TestDatabases, tmp_path: Path
) -> None:
    port = free_port()
    env = node_env(DATABASE_URL=run_sync(databases.create()))
    process = subprocess.Popen(
        [
            *COMMAND,
            "web",
            "--processes",
            "2",
            "--listen",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(tmp_path / "var"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/healthz") == 200
        # One process answering does not mean both were started yet: wait for the second.
        wait_until(lambda: len(_children(process.pid)) == 2, "two web processes")
        children = _children(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert process.returncode == 0
    for child in children:
        assert not Path(f"/proc/{child}").exists(), f"web process {child} was left running"


def test_group_create_provisions_a_group_a_district_can_script(
    databases: TestDatabases, tmp_path: Path
) -> None:
    dsn = run_sync(databases.create())
    env = node_env(DATABASE_URL=dsn)
    data = ["--data-dir", str(tmp_path / "var"), "--public-url", "https://school.example"]
    owner = run_command("user", "create", "maya", "--email", "maya@district.example", *data,
                        env=env)  # fmt: skip
    assert owner.returncode == 0, owner.stderr
    made = run_command(
        "group", "create", "year7_science", "--owner", "maya", "--name", "Year 7 science",
        "--members-only", "--join", "approval", "--subjects", "Science, Biology",
        "--grades", "7", *data, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "created group year7_science (members-only, approval joining)" in made.stdout
    assert "https://school.example/groups/year7_science" in made.stdout
    assert "@year7_science@school.example" in made.stdout

    async def stored() -> tuple[object, ...]:
        conn = await asyncpg.connect(dsn)
        try:
            row = await conn.fetchrow(
                """SELECT a.kind, a.display_name, g.join_policy, g.members_only, g.subjects,
                          (SELECT r.role FROM group_roles r JOIN accounts o ON o.id = r.account_id
                           WHERE r.group_id = a.id AND o.username = 'maya') AS owner_role
                   FROM accounts a JOIN groups g ON g.account_id = a.id
                   WHERE a.username = 'year7_science'"""
            )
        finally:
            await conn.close()
        assert row is not None
        return tuple(row)

    assert run_sync(stored()) == (
        "group",
        "Year 7 science",
        "approval",
        True,
        ["Science", "Biology"],
        "owner",
    )
    unknown = run_command("group", "create", "art", "--owner", "nobody", *data, env=env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "commonroom: no one called nobody here"
    taken = run_command("group", "create", "maya", "--owner", "maya", *data, env=env)
    assert taken.returncode == 2 and "already taken" in taken.stderr
