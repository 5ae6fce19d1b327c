"""Run the real `commonroom` command as a subprocess, as an operator would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

COMMAND = [sys.executable, "-m", "node"]


def node_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point the node at another database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMMONROOM_") and k not in {"DATABASE_URL", "TEST_DATABASE_URL"}
    }
    env.update(extra)
    return env


def run_command(*args: str, env: dict[str, str] | None = None, timeout: float = 120):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [*COMMAND, *args], env=env or node_env(), capture_output=True, text=True, timeout=timeout
    )


def wait_for_http(url: str, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:
                return int(response.status)
        except URLError:
            time.sleep(0.1)
        except ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def wait_until(
    predicate: Callable[[], bool], what: str, timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Poll `predicate` until it holds, or AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


async def eventually(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0,
    interval: float = 0.02,
) -> None:  # fmt: skip
    """`wait_until` for a condition that must be awaited (a query): poll until it holds, or
    AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)


def postgres_processes_for(pgdata: Path) -> list[int]:
    """Pids of live postgres processes whose command line names this data directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if state == "Z":
            continue
        if cmdline and cmdline[0].endswith(b"postgres") and str(pgdata).encode() in cmdline:
            found.append(int(entry.name))
    return found
