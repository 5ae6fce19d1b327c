"""Search (issue 4, item 7): people, hashtags and full-text posts, limited to what the searcher
may see and to authors who allow indexing."""

from __future__ import annotations

import aiohttp

from node.domain.accounts import Account
from node.services.posts import posts, search
from node.services.posts.search import ParsedQuery, parse_query
from node.services.social import follows
from node.storage.accounts import profiles as profile_store
from node.storage.posts.posts import Post
from tests.support.federation import FlowNode
from tests.support.web import browser_session, sign_in_session


async def _found(node: FlowNode, viewer: Account | None, query: str, page: int = 1) -> set[int]:
    results = await search.search(node.ctx, viewer, query, page)
    return {post.id for post in results.posts}


async def _indexable(node: FlowNode, account: Account) -> None:
    """The person ticks "let people search the text of my public posts" (profiles.indexable)."""
    async with node.ctx.db.connection() as conn:
        await profile_store.set_consent(conn, account.id, discoverable=False, indexable=True)


async def _display_name(node: FlowNode, account: Account, name: str) -> None:
    async with node.ctx.db.connection() as conn:
        await conn.execute("UPDATE accounts SET display_name = $2 WHERE id = $1", account.id, name)


async def _remote_actor(node: FlowNode, username: str, host: str, *, indexable: bool) -> int:
    async with node.ctx.db.connection() as conn:
        actor_id: int = await conn.fetchval(
            """INSERT INTO remote_actors (uri, actor_type, username, host, display_name, inbox,
                   raw, indexable)
               VALUES ($1, 'Person', $2, $3, $4, $1 || '/inbox', '{}', $5) RETURNING id""",
            f"https://{host}/users/{username}", username, host, username.title(), indexable,
        )  # fmt: skip
    return actor_id


async def _remote_post(node: FlowNode, author: int, text: str, visibility: str = "public") -> int:
    async with node.ctx.db.connection() as conn:
        post_id: int = await conn.fetchval(
            """INSERT INTO posts (uri, author_remote, content_html, visibility)
               VALUES ('https://remote.example/notes/' || gen_random_uuid(), $1, $2, $3)
               RETURNING id""",
            author, f"<p>{text}</p>", visibility,
        )  # fmt: skip
    return post_id


# -- what a query means ---------------------------------------------------------------------


def test_the_search_box_reads_handles_urls_tags_and_words() -> None:
    here = "school.example"
    assert parse_query("  ", here) == ParsedQuery("")
    assert parse_query("@ben@other.example", here) == ParsedQuery(
        "@ben@other.example", lookup="@ben@other.example", name="ben", host="other.example"
    )
    assert parse_query("ben@oth", here).host == "oth"
    assert parse_query("@ana@School.Example", here) == ParsedQuery(
        "@ana@School.Example", name="ana"
    )
    assert parse_query("https://school.example/@ana", here) == ParsedQuery(
        "https://school.example/@ana", name="ana"
    )
    assert parse_query("https://other.example/@ben", here).lookup == "https://other.example/@ben"
    assert parse_query("#Science", here) == ParsedQuery("#Science", tag="science", words="Science")
    assert parse_query("@ana", here) == ParsedQuery("@ana", name="ana")
    assert parse_query("fractions", here) == ParsedQuery(
        "fractions", name="fractions", tag="fractions", words="fractions"
    )
    assert parse_query("long division", here).tag is None


# -- people ---------------------------------------------------------------------------------


async def test_local_people_are_found_by_username_or_display_name_prefix(node: FlowNode) -> None:
    ana = await node.user("ana_lima")
    await _display_name(node, ana, "Ana Lima")
    ben = await node.user("benedict")
    await _display_name(node, ben, "Mr Anansi")
    await node.user("carla")

    by_username = await search.search(node.ctx, None, "ANA")
    by_name_word = await search.search(node.ctx, None, "lim")
    assert [p.username for p in by_username.people] == ["ana_lima", "benedict"]
    assert [p.username for p in by_name_word.people] == ["ana_lima"]
    assert by_username.people[0].host is None


async def test_like_wildcards_in_a_query_match_only_themselves(node: FlowNode) -> None:
    await node.user("ana_lima")
    await node.user("anabel")

    assert [p.username for p in (await search.search(node.ctx, None, "ana_")).people] == [
        "ana_lima"
    ]
    assert (await search.search(node.ctx, None, "%")).people == []


async def test_accounts_awaiting_approval_are_not_listed(node: FlowNode) -> None:
    pending = await node.user("pending_pat")
    async with node.ctx.db.connection() as conn:
        await conn.execute("UPDATE accounts SET approved_at = NULL WHERE id = $1", pending.id)

    assert (await search.search(node.ctx, None, "pending")).people == []


async def test_known_remote_people_are_found_by_name_and_by_partial_handle(node: FlowNode) -> None:
    await _remote_actor(node, "bea", "north.example", indexable=False)
    await _remote_actor(node, "bea", "south.example", indexable=False)

    by_name = await search.search(node.ctx, None, "be")
    by_handle = await search.search(node.ctx, None, "bea@no")
    assert [(p.username, p.host) for p in by_name.people] == [
        ("bea", "north.example"), ("bea", "south.example")]  # fmt: skip
    assert [(p.username, p.host) for p in by_handle.people] == [("bea", "north.example")]
    assert by_handle.people[0].uri == "https://north.example/users/bea"


async def test_anonymous_visitors_cannot_make_the_node_look_people_up(node: FlowNode) -> None:
    results = await search.search(node.ctx, None, "@ben@far.example")
    assert results.remote is None
    assert results.error == "Sign in to look up people on other servers."


# -- hashtags -------------------------------------------------------------------------------


async def test_hashtags_are_found_with_counts_of_public_posts_only(node: FlowNode) -> None:
    ana = await node.user("ana")
    await posts.create_post(node.ctx, ana, "Volcanoes #Science", visibility="public")
    await posts.create_post(node.ctx, ana, "Rocks #science #sciencefair", visibility="public")
    await posts.create_post(node.ctx, ana, "Quiet #science", visibility="unlisted")
    await posts.create_post(node.ctx, ana, "Secret #sciencetest", visibility="followers")
    await posts.create_post(node.ctx, ana, "Staff #science", visibility="public", local_only=True)

    anonymous = await search.search(node.ctx, None, "#Sci")
    signed_in = await search.search(node.ctx, ana, "scien")
    assert [(t.tag, t.posts) for t in anonymous.tags] == [("science", 2), ("sciencefair", 1)]
    # Signed in here, the local-only public post counts too; a tag used only in a
    # followers-only post is never listed, not even to its author.
    assert [(t.tag, t.posts) for t in signed_in.tags] == [("science", 3), ("sciencefair", 1)]


async def test_the_search_page_links_tags_and_people(node: FlowNode) -> None:
    ana = await node.user("ana")
    await posts.create_post(node.ctx, ana, "Fractions #maths", visibility="public")
    async with aiohttp.ClientSession() as http:
        page = await (await http.get(f"{node.url}/search", params={"q": "#math"})).text()
        people = await (await http.get(f"{node.url}/search", params={"q": "an"})).text()
    assert 'href="/tags/maths"' in page
    assert "1 public post<" in page
    assert 'href="/tags/maths.atom"' in page
    assert 'href="/@ana"' in people


# -- full-text posts ------------------------------------------------------------------------


async def test_full_text_finds_only_what_the_searcher_may_see_by_indexable_authors(
    node: FlowNode,
) -> None:
    ana, fola, stan, menno, quiet = [
        await node.user(name) for name in ("ana", "fola", "stan", "menno", "quiet")
    ]
    await _indexable(node, ana)
    await follows.follow(node.ctx, fola, "@ana")
    made: dict[str, Post] = {}
    for key, visibility, local_only in [
        ("public", "public", False), ("unlisted", "unlisted", False),
        ("followers", "followers", False), ("direct", "direct", False),
        ("localonly", "public", True),
    ]:  # fmt: skip
        made[key] = await posts.create_post(
            node.ctx, ana, f"Photosynthesis notes ({key}) for @menno",
            visibility=visibility, local_only=local_only,
        )  # fmt: skip
    unindexed = await posts.create_post(node.ctx, quiet, "Photosynthesis by a quiet person")
    ids = {post.id: key for key, post in made.items()} | {unindexed.id: "unindexed"}

    async def keys_for(viewer: Account | None) -> set[str]:
        return {ids[i] for i in await _found(node, viewer, "photosynthesis")}

    assert await keys_for(None) == {"public"}
    assert await keys_for(stan) == {"public", "localonly"}
    assert await keys_for(fola) == {"public", "localonly", "followers"}
    assert await keys_for(menno) == {"public", "localonly", "followers", "direct"}
    # Her own posts, every one of them, unlisted too; the unindexed author's only for them.
    assert await keys_for(ana) == {"public", "localonly", "followers", "direct", "unlisted"}
    assert await keys_for(quiet) == {"public", "localonly", "unindexed"}


async def test_the_searcher_finds_their_own_private_post_though_they_are_not_indexable(
    node: FlowNode,
) -> None:
    ana = await node.user("ana")
    stan = await node.user("stan")
    note = await posts.create_post(
        node.ctx, ana, "Remember the *seating plan*", visibility="direct"
    )

    assert await _found(node, ana, "seating plan") == {note.id}
    assert await _found(node, stan, "seating plan") == set()


async def test_remote_posts_are_searchable_only_when_their_author_is_indexable(
    node: FlowNode,
) -> None:
    stan = await node.user("stan")
    open_author = await _remote_actor(node, "olga", "far.example", indexable=True)
    closed_author = await _remote_actor(node, "carl", "far.example", indexable=False)
    found = await _remote_post(node, open_author, "Tessellation puzzles")
    await _remote_post(node, closed_author, "Tessellation homework")
    await _remote_post(node, open_author, "Tessellation for followers", visibility="followers")

    assert await _found(node, stan, "tessellation") == {found}
    assert await _found(node, None, "tessellation") == {found}


async def test_markup_is_not_indexed_and_escaped_text_keeps_its_words(node: FlowNode) -> None:
    ana = await node.user("ana")
    await _indexable(node, ana)
    post = await posts.create_post(node.ctx, ana, "Fish & chips on #friday, see https://x.example")
    signs = await posts.create_post(node.ctx, ana, "Signs: a<bee and cat>d")

    assert await _found(node, None, "hashtag") == set(), "a class name, not a word of the post"
    assert await _found(node, None, "href") == set()
    assert await _found(node, None, '"fish & chips"') == {post.id}
    assert await _found(node, None, "friday") == {post.id}
    # Stored as `a&lt;bee and cat&gt;d`: read as a tag, "bee and cat" would vanish.
    assert await _found(node, None, "bee cat") == {signs.id}


async def test_content_warnings_are_searchable_and_rank_above_body_matches(node: FlowNode) -> None:
    ana = await node.user("ana")
    await _indexable(node, ana)
    warned = await posts.create_post(node.ctx, ana, "Dates inside", summary="Exams")
    body = await posts.create_post(node.ctx, ana, "A note about exams and revision")
    await posts.create_post(node.ctx, ana, "Nothing to see")

    results = await search.search(node.ctx, None, "exams")
    assert [p.id for p in results.posts] == [warned.id, body.id]


async def test_results_are_paged_twenty_at_a_time(node: FlowNode) -> None:
    ana = await node.user("ana")
    await _indexable(node, ana)
    made = [await posts.create_post(node.ctx, ana, f"Worksheet {n} on ratios") for n in range(23)]

    first = await search.search(node.ctx, None, "ratios")
    second = await search.search(node.ctx, None, "ratios", page=2)
    assert len(first.posts) == 20 and first.more_posts
    assert len(second.posts) == 3 and not second.more_posts
    # Equal relevance: newest first, and every post exactly once across pages.
    assert [p.id for p in first.posts + second.posts] == [p.id for p in reversed(made)]
    assert second.people == [] and second.tags == []


async def test_queries_with_no_words_find_no_posts_and_do_not_fail(node: FlowNode) -> None:
    ana = await node.user("ana")
    await _indexable(node, ana)
    await posts.create_post(node.ctx, ana, "Anything at all")
    for query in ("!!!", "-", '""', "or", "& | !"):
        assert await _found(node, ana, query) == set(), query


async def test_the_search_page_escapes_the_query_and_pages_through_posts(node: FlowNode) -> None:
    ana = await node.user("ana")
    await _indexable(node, ana)
    for n in range(21):
        await posts.create_post(node.ctx, ana, f"Term {n} of <b>algebra</b> & more")
    async with browser_session() as http:
        hostile = await http.get(f"{node.url}/search", params={"q": '<script>x</script>"'})
        first = await (await http.get(f"{node.url}/search", params={"q": "algebra & more"})).text()
        second = await http.get(f"{node.url}/search?q=algebra+%26+more&page=2")
        page_two = await second.text()

        assert hostile.status == 200
        text = await hostile.text()
        assert "<script>x" not in text
        assert "&lt;script&gt;x&lt;/script&gt;&#34;" in text
        assert first.count('class="post"') == 20
        assert 'href="/search?q=algebra%20%26%20more&amp;page=2" rel="next"' in first
        assert page_two.count('class="post"') == 1
        assert "&lt;b&gt;algebra&lt;/b&gt;" in page_two, "post text is shown, escaped"

        await sign_in_session(http, node.url, "ana")
        mine = await (await http.get(f"{node.url}/search", params={"q": "ana"})).text()
    assert 'value="@ana"' not in mine, "no Follow button for yourself"
