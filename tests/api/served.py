"""A node started the way an operator starts one (`commonroom web` with DATABASE_URL), and people
made with `commonroom user create`, for the tests that drive it with real client libraries."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import free_port
from tests.support.databases import TestDatabases, run_sync
from tests.support.processes import COMMAND, node_env, run_command, wait_for_http

PASSWORD = "correct horse 1"


@dataclass
class ServedNode:
    url: str
    env: dict[str, str]
    data_dir: Path

    def user(self, username: str) -> str:
        """Create a person with the CLI; returns their email address (what toot logs in with)."""
        email = f"{username}@district.example"
        made = run_command(
            "user",
            "create",
            username,
            "--email",
            email,
            "--password",
            PASSWORD,
            "--data-dir",
            str(self.data_dir),
            "--public-url",
            self.url,
            env=self.env,
        )
        assert made.returncode == 0, made.stderr
        return email

    def web_session(self, username: str) -> requests.Session:
        """A browser-like session signed in through the web form."""
        session = requests.Session()
        page = session.get(f"{self.url}/sign-in", timeout=30).text
        token = re.search(r'name="_csrf" value="([^"]+)"', page)
        assert token
        signed_in = session.post(
            f"{self.url}/sign-in",
            timeout=30,
            data={"username": username, "password": PASSWORD, "_csrf": token.group(1), "next": "/"},
        )
        assert signed_in.status_code == 200, signed_in.text
        return session


@contextmanager
def served_node(databases: TestDatabases) -> Iterator[ServedNode]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = node_env(DATABASE_URL=run_sync(databases.create()))
    root = Path(tempfile.mkdtemp(prefix="commonroom-api-"))
    data_dir = root / "var"
    process = subprocess.Popen(
        [
            *COMMAND,
            "web",
            "--listen",
            f"127.0.0.1:{port}",
            "--public-url",
            url,
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for_http(f"{url}/healthz") == 200
        yield ServedNode(url, env, data_dir)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
    assert "Traceback" not in out + err, "the node logged an unhandled error"
