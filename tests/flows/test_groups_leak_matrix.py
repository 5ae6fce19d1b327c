"""The members-only leak matrix: a thread and a reply in a members-only group, against every
viewer (anonymous, the author, another member, a stranger, a mentioned non-member, someone
whose request to join waits) on every surface: the post page, the author's profile, the
timelines, the hashtag page, search, feeds, home, notifications, the group's pages, the client
API, and ActivityPub GETs signed by a member and by a non-member on another node.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from federation.signatures import SigningKey, sign_request
from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups import threads as group_posts
from node.storage.accounts import accounts as account_store
from node.storage.accounts import profiles as profile_store
from tests.conftest import free_port
from tests.support.databases import TestDatabases
from tests.support.federation import FlowNode, run_until_idle, running_node
from tests.support.people import PASSWORD
from tests.support.web import signed_in_session

USERS = {"anonymous": None, "author": "ana", "member": "mona", "stranger": "stan",
         "mentioned": "menno", "pending": "penny"}  # fmt: skip
MAY_SEE = {"author", "member"}
MARKERS = ("gm-thread-secret", "gm-reply-secret")


async def _setup(node: FlowNode) -> tuple[Any, int, int]:
    people = {name: await node.user(name) for name in USERS.values() if name}
    group = await groups.create_group(
        node.ctx, people["ana"], "staffroom",
        GroupSettings(name="Staff room", members_only=True, join_policy="approval"),
    )  # fmt: skip
    for name in ("mona", "penny"):
        await groups.join(node.ctx, people[name], group)
    mona_request = next(
        r for r in await groups.join_requests(node.ctx, people["ana"], group)
        if r.handle.startswith("mona")
    )  # fmt: skip
    await groups.answer_request(node.ctx, people["ana"], group, mona_request.follow_id, accept=True)
    async with node.ctx.db.connection() as conn:
        await profile_store.set_consent(conn, people["ana"].id, discoverable=True, indexable=True)
        await profile_store.set_consent(conn, people["mona"].id, discoverable=True, indexable=True)
    thread = await group_posts.start_thread(
        node.ctx, people["ana"], group, "Rota", "gm-thread-secret for @menno #gmatrix"
    )
    reply = await group_posts.reply(node.ctx, people["mona"], thread, "gm-reply-secret #gmatrix")
    return group, thread, reply


async def test_no_surface_shows_members_only_posts_to_non_members(node: FlowNode) -> None:
    _group, thread, reply = await _setup(node)
    paths = ["/@ana", "/@mona", "/local", "/federated", "/tags/gmatrix", "/search?q=secret",
             "/@ana.atom", "/@ana.rss", "/tags/gmatrix.atom", "/tags/gmatrix.rss",
             f"/@ana/{thread}", f"/@mona/{reply}", "/groups/staffroom",
             f"/groups/staffroom/threads/{thread}"]  # fmt: skip
    leaks = []
    for viewer, username in USERS.items():
        async with await signed_in_session(node.url, username) as http:
            seen = paths + (["/", "/notifications"] if username else [])
            for path in seen:
                html = await (await http.get(f"{node.url}{path}")).text()
                for marker in MARKERS:
                    if marker in html and viewer not in MAY_SEE:
                        leaks.append(f"{path} shows {marker} to {viewer}")
            # Members do see the thread where threads are shown.
            if viewer in MAY_SEE:
                page = await http.get(f"{node.url}/groups/staffroom/threads/{thread}")
                text = await page.text()
                assert all(m in text for m in MARKERS), viewer
    assert leaks == []


async def test_api_hides_members_only_posts_from_non_members(node: FlowNode) -> None:
    from tests.api.helpers import ALL_SCOPES

    _group, thread, reply = await _setup(node)
    leaks = []
    async with aiohttp.ClientSession() as http:
        app = await (await http.post(f"{node.url}/api/v1/apps", data={
            "client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": ALL_SCOPES})).json()  # fmt: skip
        for viewer, username in USERS.items():
            headers = {}
            if username:
                token = await (await http.post(f"{node.url}/oauth/token", data={
                    "grant_type": "password", "client_id": app["client_id"],
                    "client_secret": app["client_secret"], "username": username,
                    "password": PASSWORD, "scope": ALL_SCOPES})).json()  # fmt: skip
                headers = {"Authorization": f"Bearer {token['access_token']}"}
            for path in (f"/api/v1/statuses/{thread}", f"/api/v1/statuses/{reply}",
                         f"/api/v1/statuses/{thread}/context", "/api/v1/timelines/public",
                         "/api/v1/timelines/tag/gmatrix", "/api/v2/search?q=secret",
                         "/api/v1/timelines/home", "/api/v1/notifications"):  # fmt: skip
                body = await (await http.get(f"{node.url}{path}", headers=headers)).text()
                if any(m in body for m in MARKERS) and viewer not in MAY_SEE:
                    leaks.append(f"{path} to {viewer}")
    assert leaks == []


async def test_signed_fetch_is_checked_against_membership(
    databases: TestDatabases, tmp_path: Path
) -> None:
    async with (
        running_node(databases, tmp_path / "a", free_port()) as a,
        running_node(databases, tmp_path / "b", free_port()) as b,
    ):
        ana = await a.user("ana")
        group = await groups.create_group(
            a.ctx, ana, "staffroom", GroupSettings(name="Staff", members_only=True)
        )
        rita, rick = await b.user("rita"), await b.user("rick")
        await groups.join(b.ctx, rita, await groups.find_group(b.ctx, f"staffroom@{a.host}"))
        await run_until_idle(a, b)
        thread = await group_posts.start_thread(a.ctx, ana, group, "Rota", "gm-thread-secret")
        async with a.ctx.db.connection() as conn:
            uri = await conn.fetchval("SELECT uri FROM posts WHERE id = $1", thread)
        keys = {}
        async with b.ctx.db.connection() as conn:
            for person in (rita, rick):
                found = await account_store.get_signing_key(conn, person.id)
                assert found is not None
                keys[person.username] = SigningKey(b.ctx.urls.key_id(person.username), found[1])
        accept = {"Accept": "application/activity+json"}
        async with aiohttp.ClientSession() as http:
            async with http.get(uri, headers=accept) as unsigned:
                assert unsigned.status == 404
            for name, allowed in (("rita", True), ("rick", False)):
                signed = sign_request("GET", uri, dict(accept), None, keys[name])
                async with http.get(uri, headers=signed) as response:
                    shown = response.status == 200 and "gm-thread-secret" in await response.text()
                assert shown == allowed, name
            for collection in ("outbox?page=1", "followers?page=1"):
                for actor in ("ana", "staffroom"):
                    url = f"{a.ctx.urls.actor(actor)}/{collection}"
                    async with http.get(url, headers=accept) as response:
                        body = await response.text()
                    assert "gm-thread-secret" not in body
                    assert rita.username not in body or collection.startswith("outbox")
