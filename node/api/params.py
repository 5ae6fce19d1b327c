"""Request parameters the way Mastodon clients send them: query string, form (urlencoded or
multipart) or JSON, with Rails-style names (`media_ids[]`, `poll[options][]`) or nested JSON.

Every string is cleaned of what PostgreSQL cannot store (node.domain.inputs) as it comes in,
and numbers are read by node.domain.numbers alone. Every reader is total: a missing or
wrong-typed value is None (or a 422 where a value was given but cannot be one), never an
exception that would become a 500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import FileField
from multidict import MultiDict, MultiDictProxy

from node.api.errors import ApiError, bad_request, unprocessable
from node.domain.inputs import clean_pairs, clean_value
from node.domain.numbers import whole_number

MAX_TEXT = 100_000
# Rails' boolean cast, which Mastodon uses: these are false, anything else given is true.
_FALSE = frozenset({"false", "0", "off", "f"})


class Params:
    """One request's parameters: the body's first, then the query string's."""

    def __init__(self, body: Mapping[str, Any], query: Mapping[str, Any] | None = None) -> None:
        self._body = _cleaned(body)
        self._query = _cleaned(query if query is not None else {})

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        return cls(await _body(request), request.query)

    def _values(self, name: str) -> list[Any]:
        for source in (self._body, self._query):
            if isinstance(source, MultiDict | MultiDictProxy):
                found = source.getall(name, []) or source.getall(f"{name}[]", [])
                if found:
                    return list(found)
            elif name in source:
                value = source[name]
                return list(value) if isinstance(value, list) else [value]
            elif f"{name}[]" in source:
                value = source[f"{name}[]"]
                return list(value) if isinstance(value, list) else [value]
        return []

    def present(self, name: str) -> bool:
        return bool(self._values(name))

    def text(self, name: str, max_length: int = MAX_TEXT) -> str | None:
        values = self._values(name)
        return _as_text(values[0], max_length) if values else None

    def texts(self, name: str, max_items: int = 40, max_length: int = 2000) -> list[str]:
        found = [_as_text(value, max_length) for value in self._values(name)[:max_items]]
        return [value for value in found if value is not None]

    def flag(self, name: str) -> bool | None:
        """A boolean as Rails reads one (None when absent or blank)."""
        values = self._values(name)
        if not values or values[0] is None:
            return None
        value = values[0]
        if isinstance(value, bool):
            return value
        text = _as_text(value, 10)
        if text is None:
            return True  # a list or an object: given, and not one of the false values
        text = text.strip().lower()
        return None if text == "" else text not in _FALSE

    def integer(self, name: str, *, low: int = 0, high: int = 2**62) -> int | None:
        """A whole number in ASCII digits; anything else given is a 422 naming the field."""
        text = self.text(name, 40)
        if text is None or text.strip() == "":
            return None
        value = whole_number(text)
        if value is None:
            raise unprocessable(f"Validation failed: {name} must be a whole number")
        if not low <= value <= high:
            raise unprocessable(f"Validation failed: {name} is out of range")
        return value

    def limit(self, default: int, maximum: int) -> int:
        """A page size, as Mastodon reads one: a value that is not a number is the default."""
        value = whole_number(self.text("limit", 40))
        return default if value is None else min(max(value, 1), maximum)

    def offset(self, maximum: int = 10**6) -> int:
        """How many results to skip; a value that is not a number is 0, as Mastodon's `to_i`."""
        return min(whole_number(self.text("offset", 40)) or 0, maximum)

    def sub(self, name: str) -> Params:
        """Nested parameters: `poll[options][]` in a form, `{"poll": {"options": []}}` in JSON."""
        nested: dict[str, Any] = {}
        for source in (self._query, self._body):
            value = source.get(name) if not isinstance(source, MultiDict | MultiDictProxy) else None
            if isinstance(value, dict):
                nested.update(value)
                continue
            prefix = f"{name}["
            keys = source.keys() if isinstance(source, MultiDict | MultiDictProxy) else source
            for key in dict.fromkeys(keys):
                if not isinstance(key, str) or not key.startswith(prefix) or "]" not in key:
                    continue
                inner, _, rest = key[len(prefix) :].partition("]")
                values = (source.getall(key) if isinstance(source, MultiDict | MultiDictProxy)
                          else source[key])  # fmt: skip
                nested[inner + rest] = values
        return Params(nested)

    def file(self, name: str) -> FileField | None:
        value = self._body.get(name) if isinstance(self._body, Mapping) else None
        return value if isinstance(value, FileField) else None


def _cleaned(source: Mapping[str, Any]) -> Mapping[str, Any]:
    """Every string in `source` made storable (node.domain.inputs), whatever its shape."""
    if isinstance(source, MultiDict | MultiDictProxy):
        return MultiDict(clean_pairs(source.items()))
    cleaned: Mapping[str, Any] = clean_value(source)
    return cleaned


def _as_text(value: Any, max_length: int) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value[:max_length]
    if isinstance(value, int | float):
        return str(value)[:max_length]
    return None


async def _body(request: web.Request) -> Mapping[str, Any]:
    if request.method in {"GET", "HEAD", "OPTIONS"} or not request.body_exists:
        return {}
    kind = request.content_type.lower()
    if kind in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            return await request.post()
        except (ValueError, HttpProcessingError):  # a malformed form or multipart body
            raise bad_request("The request body could not be read") from None
    raw = await request.read()
    if not raw.strip():
        return {}
    if "json" not in kind and not raw.lstrip().startswith(b"{"):
        raise ApiError(415, "Send the body as JSON, a form or multipart/form-data")
    try:
        document = json_document(raw)
    except ValueError:
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise unprocessable("The request body must be a JSON object")
    return document


def json_document(raw: bytes) -> Any:
    """A JSON body parsed; ValueError when it is not JSON. orjson refuses a lone surrogate
    escape (`"\\ud800"`), which JSON's grammar allows, so such a body is read by the standard
    library instead and cleaned like every other value (U+FFFD in its place)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
