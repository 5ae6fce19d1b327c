"""The leak matrix: every visibility × every viewer × every surface that exists so far.

Surfaces: the post's page, the author's profile page, the local and federated timelines, the
hashtag page, each viewer's home timeline and notifications, an unsigned ActivityPub GET, the
search page (full-text), and the author's and the hashtag's Atom and RSS feeds.
Expected answers are written out by hand; domain.policies.may_see must agree with them too.
"""

from __future__ import annotations

import aiohttp

from federation.signatures import SigningKey, sign_request
from node.domain.policies import PostFacts, ViewerFacts, may_see
from node.services.posts import posts
from node.services.social import follows
from node.storage.accounts import accounts as account_store
from node.storage.accounts import profiles as profile_store
from node.storage.posts.posts import Post
from tests.support.federation import FlowNode, run_until_idle
from tests.support.web import signed_in_session

VIEWERS = ("anonymous", "author", "follower", "stranger", "mentioned", "blocked")
# (visibility, local_only) -> viewers who may see it
EXPECTED: dict[tuple[str, bool], set[str]] = {
    ("public", False): {"anonymous", "author", "follower", "stranger", "mentioned"},
    ("unlisted", False): {"anonymous", "author", "follower", "stranger", "mentioned"},
    ("followers", False): {"author", "follower", "mentioned"},
    ("direct", False): {"author", "mentioned"},
    ("public", True): {"author", "follower", "stranger", "mentioned"},
}
# The search page, the author allowing indexing: what each viewer finds. Unlisted posts stay out
# of search for everyone but their author.
SEARCHED: dict[tuple[str, bool], set[str]] = {
    ("public", False): {"anonymous", "author", "follower", "stranger", "mentioned"},
    ("unlisted", False): {"author"},
    ("followers", False): {"author", "follower", "mentioned"},
    ("direct", False): {"author", "mentioned"},
    ("public", True): {"author", "follower", "stranger", "mentioned"},
}
# Feeds are anonymous documents, the same whoever fetches them: public, federated posts only.
# Even to the blocked viewer, who could read them signed out anyway.
IN_FEEDS: set[tuple[str, bool]] = {("public", False)}
FEEDS = ("/@ana.atom", "/@ana.rss", "/tags/matrix.atom", "/tags/matrix.rss")


async def _setup(node: FlowNode) -> dict[tuple[str, bool], Post]:
    accounts = {name: await node.user(name) for name in
                ("ana", "fola", "stan", "menno", "blake")}  # fmt: skip
    await follows.follow(node.ctx, accounts["fola"], "@ana")
    await follows.follow(node.ctx, accounts["blake"], "@ana")
    async with node.ctx.db.connection() as conn:
        await profile_store.set_consent(conn, accounts["ana"].id, discoverable=False,
                                        indexable=True)  # fmt: skip
        await conn.execute("INSERT INTO blocks (account_id, blocked_account) VALUES ($1, $2)",
                           accounts["ana"].id, accounts["blake"].id)  # fmt: skip
    made = {}
    for visibility, local_only in EXPECTED:
        text = f"matrix-{visibility}-{'local' if local_only else 'fed'} for @menno #matrix"
        made[(visibility, local_only)] = await posts.create_post(
            node.ctx, accounts["ana"], text, visibility=visibility, local_only=local_only
        )
    return made


USERS = {"anonymous": None, "author": "ana", "follower": "fola", "stranger": "stan",
         "mentioned": "menno", "blocked": "blake"}  # fmt: skip


async def test_no_surface_shows_a_post_to_someone_who_may_not_see_it(node: FlowNode) -> None:
    made = await _setup(node)
    leaks: list[str] = []
    for viewer in VIEWERS:
        http = await signed_in_session(node.url, USERS[viewer])
        try:
            pages = {
                path: await (await http.get(f"{node.url}{path}")).text()
                for path in (
                    "/@ana",
                    "/local",
                    "/federated",
                    "/tags/matrix",
                    "/search?q=matrix",
                    *FEEDS,
                )
            }
            if USERS[viewer]:
                pages["/"] = await (await http.get(f"{node.url}/")).text()
                pages["/notifications"] = await (await http.get(f"{node.url}/notifications")).text()
            for key, post in made.items():
                marker = f"matrix-{key[0]}-{'local' if key[1] else 'fed'}"
                allowed = viewer in EXPECTED[key]
                page = await http.get(f"{node.url}/@ana/{post.id}")
                shown = page.status == 200 and marker in await page.text()
                if shown != allowed:
                    leaks.append(f"post page {key} to {viewer}: shown={shown}")
                for path, html in pages.items():
                    listed = _expected_on(path, key, viewer, allowed)
                    if (marker in html) != listed:
                        leaks.append(f"{path} {key} to {viewer}: shown={marker in html}")
        finally:
            await http.close()
    assert leaks == []


def _expected_on(path: str, key: tuple[str, bool], viewer: str, allowed: bool) -> bool:
    visibility, _ = key
    if path in FEEDS:
        return key in IN_FEEDS
    if path.startswith("/search"):
        return viewer in SEARCHED[key]
    if not allowed:
        return False
    if path in ("/local", "/federated", "/tags/matrix"):
        return visibility == "public"
    if path == "/notifications":
        return viewer == "mentioned"
    if path == "/":
        return viewer in ("author", "follower", "mentioned")
    return True  # the profile lists everything the viewer may see


async def test_activitypub_get_serves_only_public_and_unlisted_federated_posts(
    node: FlowNode,
) -> None:
    made = await _setup(node)
    async with aiohttp.ClientSession() as http:
        for (visibility, local_only), post in made.items():
            async with http.get(post.uri, headers={"Accept": "application/activity+json"}) as r:
                expected = visibility in ("public", "unlisted") and not local_only
                assert (r.status == 200) == expected, (visibility, local_only, r.status)
                if not expected:
                    assert "matrix-" not in await r.text()
        outbox = f"{node.ctx.urls.outbox('ana')}?page=1"
        async with http.get(outbox, headers={"Accept": "application/activity+json"}) as r:
            listed = await r.text()
    assert "matrix-public-fed" in listed
    assert "matrix-unlisted-fed" in listed
    for hidden in ("matrix-followers", "matrix-direct", "matrix-public-local"):
        assert hidden not in listed


async def test_local_only_posts_never_reach_the_delivery_queue(node: FlowNode) -> None:
    made = await _setup(node)
    async with node.ctx.db.connection() as conn:
        bodies = await conn.fetch("SELECT body::text AS body FROM outbound_activities")
    assert not any(made[("public", True)].uri in row["body"] for row in bodies)


def test_the_policy_function_agrees_with_the_matrix() -> None:
    relation = {
        "anonymous": ViewerFacts(),
        "author": ViewerFacts(account_id=1),
        "follower": ViewerFacts(account_id=2, follows_author=True),
        "stranger": ViewerFacts(account_id=3),
        "mentioned": ViewerFacts(account_id=4, mentioned=True),
        "blocked": ViewerFacts(account_id=5, follows_author=True, blocked_by_author=True),
    }
    for (visibility, local_only), allowed in EXPECTED.items():
        post = PostFacts(visibility, local_only, author_account=1, author_remote=None)
        for viewer, facts in relation.items():
            assert may_see(post, facts) == (viewer in allowed), (visibility, local_only, viewer)


REMOTE_EXPECTED: dict[tuple[str, bool], set[str]] = {
    ("public", False): {"unsigned", "rfol", "rstr", "rmen"},
    ("unlisted", False): {"unsigned", "rfol", "rstr", "rmen"},
    ("followers", False): {"rfol", "rmen"},
    ("direct", False): {"rmen"},
    ("public", True): set(),
}


async def _posts_for_viewers_elsewhere(
    a: FlowNode, b: FlowNode
) -> tuple[dict[tuple[str, bool], Post], dict[str, SigningKey]]:
    """Ana on A with a post of each kind, mentioning rmen on B; rfol and rblk on B follow
    her, and she blocks rblk. Her posts, and the signing keys of B's four people."""
    ana = await a.user("ana")
    remote = {name: await b.user(name) for name in ("rfol", "rstr", "rmen", "rblk")}
    for name in ("rfol", "rblk"):
        await follows.follow(b.ctx, remote[name], a.ctx.urls.actor("ana"))
    await run_until_idle(a, b)
    async with a.ctx.db.connection() as conn:
        await conn.execute(
            "INSERT INTO blocks (account_id, blocked_remote) SELECT $1, id "
            "FROM remote_actors WHERE uri = $2",
            ana.id, b.ctx.urls.actor("rblk"),
        )  # fmt: skip
    made = {}
    for visibility, local_only in REMOTE_EXPECTED:
        text = f"rm-{visibility}-{local_only} for @rmen@{b.host}"
        made[(visibility, local_only)] = await posts.create_post(
            a.ctx, ana, text, visibility=visibility, local_only=local_only
        )
    keys = {}
    async with b.ctx.db.connection() as conn:
        for name, account in remote.items():
            found = await account_store.get_signing_key(conn, account.id)
            assert found is not None
            keys[name] = SigningKey(b.ctx.urls.key_id(name), found[1])
    return made, keys


async def test_signed_fetches_see_what_their_actor_may_see(pair: tuple[FlowNode, FlowNode]) -> None:
    a, b = pair
    made, keys = await _posts_for_viewers_elsewhere(a, b)
    leaks = []
    async with aiohttp.ClientSession() as http:
        for key, post in made.items():
            for viewer in ("unsigned", *keys):
                headers = {"Accept": "application/activity+json"}
                if viewer != "unsigned":
                    headers = sign_request("GET", post.uri, headers, None, keys[viewer])
                async with http.get(post.uri, headers=headers) as response:
                    shown = response.status == 200 and "rm-" in await response.text()
                if shown != (viewer in REMOTE_EXPECTED[key]):
                    leaks.append(f"{key} to {viewer}: status {response.status}")
        forged = sign_request(
            "GET",
            made[("direct", False)].uri,
            {"Accept": "application/activity+json"},
            None,
            keys["rstr"],
        )
        forged["Signature"] = forged["Signature"].replace(
            b.ctx.urls.key_id("rstr"), b.ctx.urls.key_id("rmen"))  # fmt: skip
        async with http.get(made[("direct", False)].uri, headers=forged) as response:
            assert response.status == 401, "a signature that does not verify is refused"
    assert leaks == []
