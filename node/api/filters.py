"""Filters, Mastodon's v2 API: list, create, read, update, delete. The rules (contexts, actions,
keyword matching) live in services.filters; the timelines apply them.

Keywords come as `keywords_attributes`: a JSON array of objects (Mastodon.py), a JSON object
keyed by index (Rails' nested hash), or form fields `keywords_attributes[][keyword]` and
`keywords_attributes[0][keyword]`, in the body or the query string (Mastodon's own examples).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from node import keys
from node.api import auth, responses
from node.api.errors import not_found
from node.api.ids import parse_row_id, path_row_id
from node.api.params import Params, json_document
from node.api.safety_entities import filter_to_api
from node.services.social import filters
from node.services.social.filters import FilterDraft, KeywordChange

routes = web.RouteTableDef()

MAX_KEYWORD_ITEMS = filters.MAX_KEYWORDS + 1  # one more, so that too many is an error
_FIELD = re.compile(r"^keywords_attributes\[(\d*)\]\[(\w{1,20})\]$")


@routes.get("/api/v2/filters")
async def list_filters(request: web.Request) -> web.Response:
    account = auth.user(request, "read:filters")
    found = await filters.list_filters(request.app[keys.NODE], account)
    return responses.json([filter_to_api(item) for item in found])


@routes.post("/api/v2/filters")
async def create_filter(request: web.Request) -> web.Response:
    account = auth.user(request, "write:filters")
    draft = await _draft(request)
    made = await filters.create_filter(request.app[keys.NODE], account, draft)
    return responses.json(filter_to_api(made))


@routes.get("/api/v2/filters/{id}")
async def get_filter(request: web.Request) -> web.Response:
    account = auth.user(request, "read:filters")
    found = await filters.get_filter(request.app[keys.NODE], account, path_row_id(request))
    return responses.json(filter_to_api(found))


@routes.put("/api/v2/filters/{id}")
async def update_filter(request: web.Request) -> web.Response:
    account = auth.user(request, "write:filters")
    filter_id = path_row_id(request)
    draft = await _draft(request)
    updated = await filters.update_filter(request.app[keys.NODE], account, filter_id, draft)
    return responses.json(filter_to_api(updated))


@routes.delete("/api/v2/filters/{id}")
async def delete_filter(request: web.Request) -> web.Response:
    account = auth.user(request, "write:filters")
    await filters.delete_filter(request.app[keys.NODE], account, path_row_id(request))
    return responses.json({})


async def _draft(request: web.Request) -> FilterDraft:
    params = await Params.read(request)
    contexts = params.texts("context", max_items=10, max_length=40)
    expires = params.text("expires_in", 40) if params.present("expires_in") else None
    return FilterDraft(
        title=params.text("title", 1000),
        contexts=tuple(contexts) or None,
        action=params.text("filter_action", 40),
        expires_in=params.integer("expires_in", high=10**9) if expires else None,
        clear_expiry=params.present("expires_in") and not expires,
        keywords=tuple(_change(item) for item in await _keyword_items(request)),
    )


def _change(item: Params) -> KeywordChange:
    id_text = item.text("id", 40)
    keyword_id = parse_row_id(id_text) if id_text else None
    if id_text and keyword_id is None:
        raise not_found()
    return KeywordChange(
        keyword=item.text("keyword", filters.MAX_KEYWORD + 1),
        whole_word=item.flag("whole_word"),
        id=keyword_id,
        destroy=bool(item.flag("_destroy")),
    )


async def _keyword_items(request: web.Request) -> list[Params]:
    """Each keyword's fields, in the order sent (the body was already read by Params.read, so
    reading it again here is served from aiohttp's cache)."""
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        items = _form_items(await request.post())
    elif request.body_exists and request.method not in {"GET", "HEAD"}:
        items = _json_items(await request.read())
    else:
        items = []
    return (items or _form_items(request.query))[:MAX_KEYWORD_ITEMS]


def _json_items(raw: bytes) -> list[Params]:
    try:
        document = json_document(raw) if raw.strip() else {}
    except ValueError:
        return []
    value = document.get("keywords_attributes") if isinstance(document, dict) else None
    if isinstance(value, dict):  # Rails' {"0": {...}, "1": {...}}
        value = [value[k] for k in sorted(value, key=lambda k: (len(str(k)), str(k)))]
    if not isinstance(value, list):
        return []
    return [Params(item) for item in value[:MAX_KEYWORD_ITEMS] if isinstance(item, dict)]


def _form_items(fields: MultiMapping[Any]) -> list[Params]:
    """`keywords_attributes[][field]` starts a new keyword when a field repeats (Rails' rule
    for arrays of hashes); `keywords_attributes[N][field]` groups by N."""
    items: list[dict[str, Any]] = []
    indexed: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None  # the `[]` keyword being filled in
    for name, value in fields.items():
        match = _FIELD.match(name)
        if match is None or len(items) > MAX_KEYWORD_ITEMS:
            continue
        index, field = match.groups()
        if index:
            if index not in indexed:
                indexed[index] = {}
                items.append(indexed[index])
            indexed[index][field] = value
            continue
        if current is None or field in current:
            current = {}
            items.append(current)
        current[field] = value
    return [Params(item) for item in items]
