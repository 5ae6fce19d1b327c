"""Groups through their pages and forms: the directory, creating and configuring a group,
joining it, threads and replies, unread markers, moderation, and what members-only groups
hide from people outside them."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from node.domain.accounts import Account, Role
from node.domain.groups import GroupSettings
from node.services.groups import groups
from node.services.groups.groups import GroupInfo
from tests.fixtures.media import images
from tests.support.html import csrf_token
from tests.support.people import local_person
from tests.support.web import Client, ctx_of, signed_in


async def _person(client: Client, username: str, role: Role = Role.EDUCATOR) -> Account:
    return await local_person(ctx_of(client), username, role=role)


async def _group(
    client: Client, owner: Account, slug: str = "bookclub", **settings: Any
) -> GroupInfo:
    settings.setdefault("name", "Book club")
    return await groups.create_group(ctx_of(client), owner, slug, GroupSettings(**settings))


async def _post(client: Client, path: str, token: str, **form: str) -> tuple[int, str]:
    """Submit a form without following the redirect: (status, Location or page)."""
    response = await client.post(path, data={"_csrf": token, **form}, allow_redirects=False)
    if response.status in (302, 303):
        return response.status, response.headers["Location"]
    return response.status, await response.text()


async def _page(client: Client, path: str) -> tuple[int, str]:
    response = await client.get(path)
    return response.status, await response.text()


async def _start_thread(client: Client, token: str, title: str, text: str) -> int:
    status, location = await _post(
        client, "/groups/bookclub/threads", token, title=title, text=text
    )
    assert status == 303, location
    match = re.fullmatch(r"/groups/bookclub/threads/(\d+)", location)
    assert match, location
    assert (await client.get(location)).status == 200  # the browser follows the redirect
    return int(match.group(1))


async def test_a_teacher_creates_a_group_through_the_form(client: Client) -> None:
    # Given a signed-in teacher on the directory
    await _person(client, "owen")
    token = await signed_in(client, "owen")
    _, directory = await _page(client, "/groups")
    assert '<a href="/groups">Groups</a>' in directory  # in the main navigation
    assert 'href="/groups/new"' in directory
    # When she fills in the form
    _, form = await _page(client, "/groups/new")
    for field in ("slug", "name", "description", "rules", "subjects", "grades", "members_only"):
        assert f'<label for="{field}">' in form
    status, location = await _post(
        client, "/groups/new", token, slug="bookclub", name="Book club",
        description="Novels for Year 9", rules="Be kind", subjects="English, literature",
        grades="9, 10", join_policy="approval", members_only="1", members_listed="1",
    )  # fmt: skip
    # Then she lands on the group she owns
    assert (status, location) == (303, "/groups/bookclub")
    _, page = await _page(client, location)
    assert "<h1" in page and "Book club" in page and "Novels for Year 9" in page
    assert "Be kind" in page and "literature" in page and "Grade 10" in page
    assert "Members only" in page and "You are the owner" in page
    assert 'href="/groups/bookclub/settings"' in page
    group = await groups.find_group(ctx_of(client), "bookclub")
    assert group.join_policy == "approval" and group.members_only and group.members_listed
    assert group.subjects == ("English", "literature") and group.grades == ("9", "10")


async def test_the_create_form_explains_what_is_wrong_and_keeps_what_was_typed(
    client: Client,
) -> None:
    owen = await _person(client, "owen")
    await _group(client, owen)
    token = await signed_in(client, "owen")
    status, page = await _post(
        client, "/groups/new", token, slug="bookclub", name="Another", join_policy="open"
    )
    assert status == 409
    assert 'role="alert"' in page and 'aria-invalid="true"' in page and 'value="Another"' in page
    status, page = await _post(
        client, "/groups/new", token, slug="new", name="New", join_policy="open"
    )
    assert status == 422 and "a word the site uses" in page
    status, page = await _post(client, "/groups/new", token, slug="ok", name="", join_policy="x")
    assert status == 422 and 'id="name-error"' in page


async def test_students_are_not_offered_group_creation(client: Client) -> None:
    await _person(client, "sam", Role.STUDENT)
    token = await signed_in(client, "sam")
    _, directory = await _page(client, "/groups")
    assert 'href="/groups/new"' not in directory
    assert (await client.get("/groups/new")).status == 403
    status, _ = await _post(client, "/groups/new", token, slug="mine", name="Mine")
    assert status == 403


async def test_a_teacher_joins_and_leaves_an_open_group(client: Client) -> None:
    owen = await _person(client, "owen")
    await _person(client, "ana")
    await _group(client, owen)
    token = await signed_in(client, "ana")
    _, before = await _page(client, "/groups/bookclub")
    assert "Join the group" in before and "Start a thread" not in before
    assert await _post(client, "/groups/bookclub/join", token) == (303, "/groups/bookclub")
    _, after = await _page(client, "/groups/bookclub")
    assert "You are a member" in after and "Start a thread" in after and "2 members" in after
    _, directory = await _page(client, "/groups")
    assert "Your groups" in directory
    assert await _post(client, "/groups/bookclub/leave", token) == (303, "/groups/bookclub")
    _, left = await _page(client, "/groups/bookclub")
    assert "Join the group" in left


async def test_an_approval_group_lets_in_whom_the_owner_approves(client: Client) -> None:
    # Given an approval group and a teacher who asks to join
    owen = await _person(client, "owen")
    await _person(client, "ana")
    await _group(client, owen, join_policy="approval")
    token = await signed_in(client, "ana")
    assert "Ask to join" in (await _page(client, "/groups/bookclub"))[1]
    await _post(client, "/groups/bookclub/join", token)
    _, waiting = await _page(client, "/groups/bookclub")
    assert "waiting for a moderator" in waiting and "Start a thread" not in waiting
    # When the owner, told of it in his notifications, approves the request shown to him
    token = await signed_in(client, "owen")
    _, told = await _page(client, "/notifications")
    assert "asked to join" in told and 'href="/groups/bookclub/requests"' in told
    _, requests = await _page(client, "/groups/bookclub/requests")
    match = re.search(r'action="/groups/bookclub/requests/(\d+)"', requests)
    assert match and "@ana" in requests
    status, location = await _post(
        client, f"/groups/bookclub/requests/{match.group(1)}", token, decision="approve"
    )
    assert (status, location) == (303, "/groups/bookclub/requests")
    assert "No one is waiting" in (await _page(client, "/groups/bookclub/requests"))[1]
    # Then she is a member
    await signed_in(client, "ana")
    assert "You are a member" in (await _page(client, "/groups/bookclub"))[1]


async def test_invite_only_group_says_so_and_lets_in_the_invited(client: Client) -> None:
    owen = await _person(client, "owen")
    await _person(client, "ana")
    await _group(client, owen, join_policy="invite")
    token = await signed_in(client, "ana")
    assert "by invitation only" in (await _page(client, "/groups/bookclub"))[1]
    assert (await _post(client, "/groups/bookclub/join", token))[0] == 403
    token = await signed_in(client, "owen")
    status, location = await _post(client, "/groups/bookclub/invitations", token, target="ana")
    assert (status, location) == (303, "/groups/bookclub/settings?saved=invited")
    status, page = await _post(client, "/groups/bookclub/invitations", token, target="nobody")
    assert status == 422 and 'id="target-error"' in page
    token = await signed_in(client, "ana")
    assert "Accept the invitation" in (await _page(client, "/groups/bookclub"))[1]
    await _post(client, "/groups/bookclub/join", token)
    assert "You are a member" in (await _page(client, "/groups/bookclub"))[1]


async def test_members_start_a_thread_and_reply(client: Client) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    thread_id = await _start_thread(client, token, "Week 3: chapter five", "The *ending*?")
    token = await signed_in(client, "owen")
    status, location = await _post(
        client, f"/groups/bookclub/threads/{thread_id}/replies", token, text="I loved it."
    )
    assert status == 303 and location.startswith(f"/groups/bookclub/threads/{thread_id}#post-")
    _, page = await _page(client, f"/groups/bookclub/threads/{thread_id}")
    assert "<h1>Week 3: chapter five</h1>" in page
    assert "<em>ending</em>" in page and "I loved it." in page and "1 reply" in page
    assert page.index("The <em>ending</em>") < page.index("I loved it.")
    _, group_page = await _page(client, "/groups/bookclub")
    assert "Week 3: chapter five" in group_page and "1 reply" in group_page
    # Thread URLs belong to their group: under another group's handle there is nothing.
    await _group(client, owen, "chess", name="Chess")
    assert (await client.get(f"/groups/chess/threads/{thread_id}")).status == 404


async def test_a_thread_is_marked_new_for_other_members_until_they_read_it(
    client: Client,
) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    thread_id = await _start_thread(client, token, "Reading list", "Suggestions welcome")
    assert "unread-marker" not in (await _page(client, "/groups/bookclub"))[1]
    await signed_in(client, "owen")
    assert "unread-marker" in (await _page(client, "/groups/bookclub"))[1]
    await client.get(f"/groups/bookclub/threads/{thread_id}")
    assert "unread-marker" not in (await _page(client, "/groups/bookclub"))[1]


async def test_moderators_pin_and_lock_and_members_cannot_reply_to_a_locked_thread(
    client: Client,
) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    older = await _start_thread(client, token, "Older thread", "first")
    newer = await _start_thread(client, token, "Newer thread", "second")
    _, page = await _page(client, f"/groups/bookclub/threads/{older}")
    assert "Pin to the top" not in page  # not a moderator
    assert (await _post(client, f"/groups/bookclub/threads/{older}/pin", token))[0] == 403

    token = await signed_in(client, "owen")
    for action in ("pin", "lock"):
        status, location = await _post(client, f"/groups/bookclub/threads/{older}/{action}", token)
        assert (status, location) == (303, f"/groups/bookclub/threads/{older}")
    _, listing = await _page(client, "/groups/bookclub")
    assert listing.index("Older thread") < listing.index("Newer thread")  # pinned first
    assert "Pinned" in listing and "Locked" in listing
    _, page = await _page(client, f"/groups/bookclub/threads/{older}")
    assert "Unpin" in page and "Unlock" in page and "Your reply" in page  # moderators may

    token = await signed_in(client, "ana")
    _, page = await _page(client, f"/groups/bookclub/threads/{older}")
    assert "This thread is locked" in page and "Your reply" not in page
    status, _ = await _post(client, f"/groups/bookclub/threads/{older}/replies", token, text="x")
    assert status == 403
    assert (await _post(client, f"/groups/bookclub/threads/{newer}/replies", token, text="y"))[
        0
    ] == 303

    token = await signed_in(client, "owen")
    for action in ("unpin", "unlock"):
        await _post(client, f"/groups/bookclub/threads/{older}/{action}", token)
    _, listing = await _page(client, "/groups/bookclub")
    assert listing.index("Newer thread") < listing.index("Older thread")
    assert "Locked" not in listing


async def test_a_moderator_removes_a_reply_and_then_the_thread(client: Client) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    thread_id = await _start_thread(client, token, "Selling a bike", "Off topic")
    _, location = await _post(
        client, f"/groups/bookclub/threads/{thread_id}/replies", token, text="Still for sale"
    )
    reply_id = int(location.rsplit("#post-", 1)[1])
    assert "Remove this reply" not in (await _page(client, location.split("#")[0]))[1]
    assert (await _post(client, f"/groups/bookclub/posts/{reply_id}/remove", token))[0] == 403

    token = await signed_in(client, "owen")
    status, location = await _post(
        client, f"/groups/bookclub/posts/{reply_id}/remove", token, thread=str(thread_id)
    )
    assert (status, location) == (303, f"/groups/bookclub/threads/{thread_id}")
    assert "Still for sale" not in (await _page(client, location))[1]
    status, location = await _post(
        client, f"/groups/bookclub/posts/{thread_id}/remove", token, thread=str(thread_id)
    )
    assert (status, location) == (303, "/groups/bookclub")
    assert "Selling a bike" not in (await _page(client, location))[1]
    assert (await client.get(f"/groups/bookclub/threads/{thread_id}")).status == 404


async def test_a_members_only_group_shows_outsiders_its_name_but_no_threads(
    client: Client,
) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    await _person(client, "olly")
    group = await _group(client, owen, description="Rubrics and marking", members_only=True)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    thread_id = await _start_thread(client, token, "Assessment ideas", "The rubric draft")
    thread_path = f"/groups/bookclub/threads/{thread_id}"

    for who in (None, "olly"):
        client.session.cookie_jar.clear()
        if who:
            await signed_in(client, who)
        status, page = await _page(client, "/groups/bookclub")
        assert status == 200 and "Book club" in page and "Rubrics and marking" in page
        assert "Assessment ideas" not in page and "rubric draft" not in page
        assert "Only members can read" in page
        assert (await client.get(thread_path)).status == 404

    await signed_in(client, "ana")
    _, page = await _page(client, "/groups/bookclub")
    assert "Assessment ideas" in page
    status, page = await _page(client, thread_path)
    assert status == 200 and "The rubric draft" in page


async def test_the_member_list_follows_the_group_settings(client: Client) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    listed = await _group(client, owen)
    hidden = await _group(client, owen, "quiet", name="Quiet", members_listed=False)
    for group in (listed, hidden):
        await groups.join(ctx_of(client), ana, group)
    await signed_in(client, "ana")
    status, page = await _page(client, "/groups/bookclub/members")
    assert status == 200 and "@owen@" in page and "@ana@" in page
    assert 'href="/groups/quiet/members"' not in (await _page(client, "/groups/quiet"))[1]
    assert (await client.get("/groups/quiet/members")).status == 403
    await signed_in(client, "owen")  # moderators always see it
    assert (await client.get("/groups/quiet/members")).status == 200


async def test_the_directory_finds_groups_by_subject_tag(client: Client) -> None:
    owen = await _person(client, "owen")
    await _group(client, owen, "bookclub", name="Book club", subjects=("literature",))
    await _group(client, owen, "robots", name="Robotics", subjects=("engineering",),
                 grades=("11",), members_only=True)  # fmt: skip
    _, everything = await _page(client, "/groups")
    assert "Book club" in everything and "Robotics" in everything
    assert "Members only" in everything and "1 member" in everything
    _, found = await _page(client, "/groups?q=engineer")
    assert "Robotics" in found and "Book club" not in found
    assert 'href="/groups/bookclub"' not in found
    _, none = await _page(client, "/groups?q=chemistry")
    assert "No group here matches" in none
    # Finding a group by handle goes to its page.
    response = await client.get("/groups?find=robots", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/groups/robots")


async def test_people_who_do_not_moderate_get_403_on_settings_and_requests(
    client: Client,
) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "ana")
    for path in ("/groups/bookclub/settings", "/groups/bookclub/requests"):
        assert (await client.get(path)).status == 403
    for policy in ("open", "no such policy"):
        status, page = await _post(
            client, "/groups/bookclub/settings", token, name="Mine now", join_policy=policy
        )
        assert status == 403 and "Save settings" not in page
    assert (await groups.find_group(ctx_of(client), "bookclub")).name == "Book club"
    client.session.cookie_jar.clear()
    response = await client.get("/groups/bookclub/settings", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/sign-in")


async def test_the_owner_edits_the_settings(client: Client) -> None:
    owen, ana = await _person(client, "owen"), await _person(client, "ana")
    group = await _group(client, owen)
    await groups.join(ctx_of(client), ana, group)
    token = await signed_in(client, "owen")
    _, form = await _page(client, "/groups/bookclub/settings")
    assert 'value="Book club"' in form and '<label for="target">' in form
    status, location = await _post(
        client, "/groups/bookclub/settings", token, name="Readers", join_policy="approval",
        subjects="english", members_listed="1",
    )  # fmt: skip
    assert (status, location) == (303, "/groups/bookclub/settings?saved=1")
    assert "saved" in (await _page(client, location))[1]
    status, page = await _post(
        client, "/groups/bookclub/settings", token, name="", join_policy="open"
    )
    assert status == 422 and 'id="name-error"' in page
    status, location = await _post(
        client, "/groups/bookclub/roles", token, username="ana", role="moderator"
    )
    assert status == 303
    _, page = await _page(client, "/groups/bookclub")
    assert "Readers" in page and "Join by request" in page and 'href="/@ana"' in page


async def test_group_forms_without_the_csrf_token_are_refused(client: Client) -> None:
    owen = await _person(client, "owen")
    await _person(client, "ana")
    await _group(client, owen)
    await signed_in(client, "ana")
    response = await client.post("/groups/bookclub/join", data={}, allow_redirects=False)
    assert response.status == 403 and "expired" in await response.text()
    response = await client.post(
        "/groups/new", data={"slug": "x", "name": "X", "_csrf": "forged"}, allow_redirects=False
    )
    assert response.status == 403
    assert "You are a member" not in (await _page(client, "/groups/bookclub"))[1]


async def test_a_groups_profile_address_leads_to_the_group_page(client: Client) -> None:
    owen = await _person(client, "owen")
    await _group(client, owen)
    response = await client.get("/@bookclub", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/groups/bookclub")
    assert (await client.get("/groups/nosuchgroup")).status == 404
    assert (await client.get("/groups/owen")).status == 404  # a person is not a group


async def test_signed_out_visitors_cannot_make_the_node_look_up_groups_elsewhere(
    client: Client,
) -> None:
    status, page = await _page(client, "/groups?find=bookclub@elsewhere.example")
    assert status == 200 and 'role="alert"' in page
    assert "No group found for bookclub@elsewhere.example: sign in to look up" in page
    assert (await client.get("/groups/bookclub@elsewhere.example")).status == 404


async def test_a_moderator_gives_the_group_a_picture_that_federates(client: Client) -> None:
    owen = await _person(client, "owen")
    await _person(client, "ana")
    await _group(client, owen)
    await signed_in(client, "ana")
    token = csrf_token((await _page(client, "/groups/bookclub"))[1])
    form = aiohttp.FormData()
    form.add_field("_csrf", token)
    form.add_field("file", images.jpeg(200, 200), filename="club.jpg", content_type="image/jpeg")
    refused = await client.post("/groups/bookclub/picture", data=form, allow_redirects=False)
    assert refused.status == 403, "only moderators change the picture"

    token = await signed_in(client, "owen")
    form = aiohttp.FormData()
    form.add_field("_csrf", token)
    form.add_field("description", "Books on a shelf")
    form.add_field("file", images.jpeg(200, 200), filename="club.jpg", content_type="image/jpeg")
    saved = await client.post("/groups/bookclub/picture", data=form, allow_redirects=False)
    assert (saved.status, saved.headers["Location"]) == (
        303,
        "/groups/bookclub/settings?saved=picture",
    )
    _, page = await _page(client, "/groups/bookclub")
    picture = re.search(r'<img class="group-picture" src="([^"]+)"', page)
    assert picture, "the group page shows its picture"
    path = "/media/" + picture.group(1).split("/media/", 1)[1]
    assert (await client.get(path)).status == 200
    actor = await client.get("/users/bookclub", headers={"Accept": "application/activity+json"})
    document = await actor.json()
    assert document["type"] == "Group" and document["icon"]["url"] == picture.group(1)
    assert document["attributedTo"].endswith("/users/bookclub/moderators")

    form = aiohttp.FormData()
    form.add_field("_csrf", token)
    form.add_field("file", b"not an image", filename="x.jpg", content_type="image/jpeg")
    bad = await client.post("/groups/bookclub/picture", data=form)
    assert bad.status == 422 and 'id="picture-error"' in await bad.text()
