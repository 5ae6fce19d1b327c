"""People and groups on other servers show their own avatar and header, hot-linked from their
server: in the client API (`avatar`, `header`) and on our pages. Two real nodes on loopback."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.api.serializers import MISSING_AVATAR, MISSING_HEADER
from node.domain.groups import GroupSettings
from node.services.accounts import accounts
from node.services.groups import groups
from node.services.profiles import profiles
from node.services.social import follows
from tests.api.helpers import session_token
from tests.fixtures.media import images
from tests.support.federation import FlowNode, run_until_idle
from tests.support.web import browser_session, sign_in_session


async def _lookup(http: aiohttp.ClientSession, node: FlowNode, token: str, acct: str) -> Any:
    async with http.get(f"{node.url}/api/v1/accounts/lookup", params={"acct": acct},
                        headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
        assert response.status == 200, await response.text()
        return await response.json()


async def _avatar_url(node: FlowNode, username: str) -> str:
    account = await accounts.get_account_by_username(node.ctx.db, username)
    view = await profiles.profile_view(node.ctx, account)
    assert view.avatar is not None
    return view.avatar.url


def _remote_img(url: str) -> str:
    """How our pages embed a picture from another server."""
    return f'src="{url}" alt=""'


async def test_a_remote_persons_avatar_is_their_icon_in_the_api_and_on_the_search_page(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana, ben = await a.user("ana"), await b.user("ben")
    # Given ben on B has a profile picture, and ana on A follows him
    await profiles.set_image(b.ctx, ben, "avatar", images.webp(), description="Ben")
    avatar = await _avatar_url(b, "ben")
    assert avatar.startswith(f"{b.url}/media/")
    await follows.follow(a.ctx, ana, b.ctx.urls.actor("ben"))
    await run_until_idle(a, b)

    async with browser_session() as http:
        token = await session_token(http, a.url, "ana", "read")
        # When ana's app looks him up, then his avatar is the picture on B; he has no header
        found = await _lookup(http, a, token, f"ben@{b.host}")
        assert found["avatar"] == found["avatar_static"] == avatar
        assert found["header"] == found["header_static"] == a.url + MISSING_HEADER
        assert found["followers_count"] == 0, "counts are still not cached (docs/api.md)"

        # When he changes it, the Update(Person) brings the new one to A
        await profiles.set_image(b.ctx, ben, "avatar", images.png_with_alpha(), description="")
        await profiles.set_image(b.ctx, ben, "header", images.jpeg(120, 40), description="")
        await run_until_idle(a, b)
        changed = await _lookup(http, a, token, f"ben@{b.host}")
        assert changed["avatar"] == await _avatar_url(b, "ben") != avatar
        assert changed["header"].startswith(f"{b.url}/media/")

        # and A's search page shows it beside his name, hot-linked without a referrer
        await sign_in_session(http, a.url, "ana")
        page = await (await http.get(f"{a.url}/search", params={"q": f"@ben@{b.host}"})).text()
    tag = page[page.index(_remote_img(changed["avatar"])) :].split(">", 1)[0]
    assert 'referrerpolicy="no-referrer"' in tag and 'loading="lazy"' in tag
    assert 'width="48" height="48"' in tag


async def test_a_remote_person_without_a_picture_keeps_the_default_images(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    ana, _ = await a.user("ana"), await b.user("ben")
    await follows.follow(a.ctx, ana, b.ctx.urls.actor("ben"))
    await run_until_idle(a, b)
    async with browser_session() as http:
        found = await _lookup(
            http, a, await session_token(http, a.url, "ana", "read"), f"ben@{b.host}"
        )
        await sign_in_session(http, a.url, "ana")
        page = await (await http.get(f"{a.url}/search", params={"q": f"@ben@{b.host}"})).text()
    assert found["avatar"] == a.url + MISSING_AVATAR
    assert found["header"] == a.url + MISSING_HEADER
    assert 'class="avatar"' not in page


async def test_a_remote_groups_picture_is_shown_on_its_page_here(
    pair: tuple[FlowNode, FlowNode],
) -> None:
    a, b = pair
    await a.user("ana")
    owner = await b.user("owen")
    # Given a group on B with a picture
    club = await groups.create_group(b.ctx, owner, "chess", GroupSettings(name="Chess club"))
    await groups.set_picture(b.ctx, owner, club, images.webp(), "A knight")
    picture = (await groups.find_group(b.ctx, "chess")).avatar_url
    assert picture is not None and picture.startswith(f"{b.url}/media/")

    # Then A knows it by that picture, and shows it on the group's page
    assert (await groups.find_group(a.ctx, f"chess@{b.host}")).avatar_url == picture
    async with browser_session() as http:
        await sign_in_session(http, a.url, "ana")
        page = await (await http.get(f"{a.url}/groups/chess@{b.host}")).text()
    tag = page[page.index(_remote_img(picture)) :].split(">", 1)[0]
    assert 'referrerpolicy="no-referrer"' in tag and 'loading="lazy"' in tag
