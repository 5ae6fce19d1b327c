"""Real client libraries that no one here wrote, against a node started with `commonroom web`:
Mastodon.py (password grant and the authorization-code flow) and toot (as a subprocess)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.api.served import PASSWORD, ServedNode, served_node
from tests.support.databases import TestDatabases
from tests.support.mastodon_py import mastodon_app

pytestmark = pytest.mark.slow

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture(scope="module")
def node(databases: TestDatabases) -> Iterator[ServedNode]:
    with served_node(databases) as served:
        yield served


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (250, 200, 40)).save(out, "PNG")
    return out.getvalue()


def test_mastodon_py_password_grant_posts_with_an_image_and_a_cw(node: ServedNode) -> None:
    email = node.user("maya")
    api = mastodon_app(node.url, "Mastodon.py password test", SCOPES, check_versions=True)
    api.log_in(email, PASSWORD, scopes=SCOPES, allow_http=True)
    assert api.retrieve_mastodon_version() == "4.3.0"
    assert api.mastodon_api_version == 2

    me = api.account_verify_credentials()
    assert me.username == "maya" and me.source.privacy == "public"
    picture = api.media_post(_png(), mime_type="image/png", description="A yellow card")
    assert picture.type == "image" and picture.url
    status = api.status_post(
        "Quiz answers for tomorrow #science",
        spoiler_text="Spoilers: quiz answers",
        media_ids=[picture],
        visibility="unlisted",
    )
    assert status.spoiler_text == "Spoilers: quiz answers" and status.sensitive
    assert status.media_attachments[0].description == "A yellow card"

    home = api.timeline_home()
    assert status.id in [s.id for s in home]
    shown = next(s for s in home if s.id == status.id)
    assert "Quiz answers" in shown.content and shown.account.acct == "maya"
    assert api.status(status.id).visibility == "unlisted"


def test_mastodon_py_authorization_code_flow_through_the_consent_page(node: ServedNode) -> None:
    node.user("theo")
    api = mastodon_app(node.url, "Mastodon.py code test", SCOPES, check_versions=True)
    url = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    assert urlsplit(url).path == "/oauth/authorize"

    browser = node.web_session("theo")  # the person, signed in to the node's web UI
    consent = browser.get(url, timeout=30)
    assert consent.status_code == 200 and "Mastodon.py code test" in consent.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text))
    answer = browser.post(
        f"{node.url}/oauth/authorize", data={**fields, "decision": "approve"}, timeout=30
    )
    code = re.search(r'id="authorization-code">([^<]+)<', answer.text)
    assert code, answer.text

    api.log_in(code=code.group(1), redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    assert api.account_verify_credentials().username == "theo"
    posted = api.status_post("Signed in through the browser")
    assert posted.id in [s.id for s in api.timeline_home()]


def _toot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-m", "toot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_toot_login_post_timeline_and_whoami(node: ServedNode, tmp_path: Path) -> None:
    email = node.user("ines")
    login = _toot(
        tmp_path, "login_cli", "--instance", node.url, "--email", email, "--password", PASSWORD
    )
    assert login.returncode == 0, login.stderr + login.stdout
    assert "Successfully logged in" in login.stdout

    posted = _toot(tmp_path, "post", "Hello from toot, class!")
    assert posted.returncode == 0, posted.stderr + posted.stdout
    assert f"{node.url}/@ines/" in posted.stdout

    timeline = _toot(tmp_path, "timeline", "--once")
    assert timeline.returncode == 0, timeline.stderr + timeline.stdout
    assert "Hello from toot, class!" in timeline.stdout

    whoami = _toot(tmp_path, "whoami")
    assert whoami.returncode == 0, whoami.stderr + whoami.stdout
    assert "@ines" in whoami.stdout
