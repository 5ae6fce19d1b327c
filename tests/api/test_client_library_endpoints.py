"""Mastodon.py, which no one here wrote, against a node started with `commonroom web`: editing a
profile and a status, reading the edit history, bookmarks and favourites (following the `Link`
header), and markers."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.api.served import ServedNode, served_node
from tests.support.databases import TestDatabases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def node(databases: TestDatabases) -> Iterator[ServedNode]:
    with served_node(databases) as served:
        yield served


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 90), (200, 60, 90)).save(out, "PNG")
    return out.getvalue()


def test_mastodon_py_edits_a_profile_the_web_then_shows(node: ServedNode) -> None:
    api = node.mastodon("rosa", "Mastodon.py endpoints test")
    me = api.account_update_credentials(
        display_name="Ms. Rosa Diaz",
        note="Art, all years",
        fields=[("Room", "A1"), ("Clubs", "Pottery")],
        avatar=_png(),
        avatar_mime_type="image/png",
        locked=True,
    )
    assert me.display_name == "Ms. Rosa Diaz" and me.locked is True
    assert [(f.name, f.value) for f in me.source.fields] == [("Room", "A1"), ("Clubs", "Pottery")]
    assert "missing.png" not in me.avatar
    again = api.account_verify_credentials()
    assert again.source.note == "Art, all years"
    profile = node.web_session("rosa").get(f"{node.url}/@rosa", timeout=30).text
    assert "Ms. Rosa Diaz" in profile and "Pottery" in profile


def test_mastodon_py_edits_a_status_and_reads_its_history(node: ServedNode) -> None:
    api = node.mastodon("omar", "Mastodon.py endpoints test")
    status = api.status_post("Paint day on Monday")
    edited = api.status_update(status.id, "Paint day on Tuesday")
    assert edited.id == status.id and edited.edited_at is not None
    assert "Tuesday" in edited.content

    history = api.status_history(status.id)
    assert len(history) == 2
    assert "Monday" in history[0].content and "Tuesday" in history[1].content
    assert api.status_source(status.id).text == "Paint day on Tuesday"
    page = node.web_session("omar").get(f"{node.url}/@omar/{status.id}/history", timeout=30).text
    assert "Paint day on Monday" in page and "Paint day on Tuesday" in page


def test_mastodon_py_pages_bookmarks_and_favourites_and_keeps_markers(node: ServedNode) -> None:
    api = node.mastodon("lena", "Mastodon.py endpoints test")
    first, second = api.status_post("Reading list"), api.status_post("Lab safety rules")
    api.status_bookmark(first)
    api.status_bookmark(second)
    api.status_favourite(first)

    page = api.bookmarks(limit=1)
    assert [s.id for s in page] == [second.id]
    following = api.fetch_next(page)
    assert following is not None and [s.id for s in following] == [first.id]
    assert [s.id for s in api.favourites()] == [first.id]

    saved = api.markers_set("home", second.id)
    assert saved.home.last_read_id == second.id and saved.home.version == 0
    api.markers_set(["home", "notifications"], [first.id, first.id])
    found = api.markers_get(["home", "notifications"])
    assert found.home.last_read_id == first.id and found.home.version == 1
    assert found.notifications.version == 0
