"""`GET /api/v2/search`: accounts, hashtags and statuses through services.search, which decides
what a query means and limits posts to what the searcher may see.

With a token, a handle (`@name@host`) or a profile URL is looked up on its server (WebFinger,
then the actor), as Mastodon does with `resolve=true`. Without one, nothing is fetched.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.params import Params
from node.api.present import Person, Presenter
from node.domain.errors import NotFound
from node.services.accounts import accounts
from node.services.actors import directory
from node.services.posts import search
from node.services.posts.search import AccountHit

routes = web.RouteTableDef()

TYPES = ("accounts", "hashtags", "statuses")


@routes.get("/api/v2/search")
async def search_v2(request: web.Request) -> web.Response:
    viewer = auth.viewer(request, "read:search")
    ctx = request.app[keys.NODE]
    query = Params({}, request.query)
    wanted = query.text("type", 20) or None
    limit = query.limit(20, 40)
    offset = query.offset()
    text = query.text("q", search.MAX_QUERY) or ""
    body: dict[str, list[Any]] = {kind: [] for kind in TYPES}
    if not text.strip() or wanted not in (None, *TYPES):  # Mastodon: another type finds nothing
        return responses.json(body)
    found = await search.search(ctx, viewer, text, offset // search.PAGE + 1)
    presenter = Presenter(ctx, viewer)
    if wanted in (None, "accounts"):
        people: list[Person] = [found.remote] if found.remote is not None else []
        for hit in found.people:
            person = await _person(request, hit)
            if person is not None and person not in people:
                people.append(person)
        body["accounts"] = [await presenter.account(p) for p in people[:limit]]
    if wanted in (None, "hashtags"):
        body["hashtags"] = [_tag(ctx.urls.base, t.tag, signed_in=viewer is not None)
                            for t in found.tags[:limit]]  # fmt: skip
    if wanted in (None, "statuses"):
        body["statuses"] = await presenter.statuses(found.posts[:limit])
    return responses.json(body)


def _tag(base: str, name: str, *, signed_in: bool) -> dict[str, Any]:
    """Mastodon's Tag (REST::TagSerializer). Tags have no table of their own here, so the `id`
    is the normalised name: a string, unique and stable, as the entity asks. Nobody follows a
    tag here yet, so `following` is false; it is sent only to a signed-in viewer, as there."""
    tag: dict[str, Any] = {"id": name, "name": name, "url": f"{base}/tags/{name}", "history": []}
    if signed_in:
        tag["following"] = False
    return tag


async def _person(request: web.Request, hit: AccountHit) -> Person | None:
    ctx = request.app[keys.NODE]
    if hit.host is None:
        try:
            return await accounts.get_account_by_username(ctx.db, hit.username)
        except NotFound:
            return None
    return await directory.cached_actor_by_uri(ctx, hit.uri) if hit.uri else None
