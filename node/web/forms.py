"""Reading what a browser sends: forms, query strings and the numbers in a URL.

Every string is cleaned of what PostgreSQL cannot store (node.domain.inputs) and every number
is read by node.domain.numbers, so no value a browser sends becomes a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from multidict import MultiDict

from node.domain.inputs import clean_pairs, clean_text
from node.domain.numbers import whole_number


async def read_form(request: web.Request) -> MultiDict[object]:
    """The submitted form (urlencoded or multipart), its strings cleaned; uploads kept."""
    return MultiDict(clean_pairs((await request.post()).items()))


def form_text(form: Mapping[str, object], name: str, max_length: int = 10_000) -> str:
    value = form.get(name)
    return clean_text(value)[:max_length] if isinstance(value, str) else ""


def form_number(form: Mapping[str, object], name: str, default: int, maximum: int) -> int:
    """A whole number typed into a form, else `default`."""
    found = whole_number(form_text(form, name, 40), maximum=maximum)
    return default if found is None else found


def query_number(request: web.Request, name: str, default: int, maximum: int) -> int:
    """A whole number from the query string (`?page=2`), else `default`."""
    found = whole_number(request.query.get(name), maximum=maximum)
    return default if found is None else found


def path_id(request: web.Request, name: str) -> int:
    """The id in the URL's `{name}`; 404 when it is not one (the routes also ask for [0-9])."""
    found = whole_number(request.match_info.get(name))
    if found is None:
        raise web.HTTPNotFound()
    return found
