"""A node started the way an operator starts one (`commonroom web` with DATABASE_URL), and people
made with `commonroom user create`, for the tests that drive it with real client libraries."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from mastodon import Mastodon

from tests.conftest import free_port
from tests.support.databases import TestDatabases, run_sync
from tests.support.html import csrf_token
from tests.support.mastodon_py import mastodon_signed_in
from tests.support.people import PASSWORD
from tests.support.processes import COMMAND, node_env, run_command, wait_for_http


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
        signed_in = session.post(
            f"{self.url}/sign-in",
            timeout=30,
            data={
                "username": username,
                "password": PASSWORD,
                "_csrf": csrf_token(page),
                "next": "/",
            },
        )
        assert signed_in.status_code == 200, signed_in.text
        return session

    def mastodon(self, username: str, app: str, *, check_versions: bool = True) -> Mastodon:
        """A new person, signed in to Mastodon.py (see tests.support.mastodon_py)."""
        return mastodon_signed_in(self.url, self.user(username), app, check_versions=check_versions)


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
