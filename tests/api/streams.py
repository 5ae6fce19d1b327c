"""Helpers for the streaming tests: post, follow, open a WebSocket, read its frames."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
from aiohttp import WSMsgType

from tests.api.helpers import Client, bearer

WAIT = 10.0  # seconds an expected event may take; nothing here waits for an absent one
Frame = dict[str, Any]


async def post_json(client: Client, token: str, text: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **fields}, headers=bearer(token)
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def follow_account(client: Client, token: str, account_id: int) -> None:
    response = await client.post(f"/api/v1/accounts/{account_id}/follow", headers=bearer(token))
    assert response.status == 200, await response.text()
    assert (await response.json())["following"] is True


async def open_ws(client: Client, token: str, **query: str) -> aiohttp.ClientWebSocketResponse:
    return await client.ws_connect("/api/v1/streaming", headers=bearer(token), params=query)


async def next_frame(ws: aiohttp.ClientWebSocketResponse) -> Frame:
    message = await ws.receive(timeout=WAIT)
    assert message.type == WSMsgType.TEXT, message
    frame: Frame = orjson.loads(message.data)
    return frame


async def subscribed(ws: aiohttp.ClientWebSocketResponse, *commands: Frame) -> None:
    """Send subscribe commands, then one the server refuses: its error comes back after the
    commands before it were applied (they are handled in order), so none is in flight."""
    for command in commands:
        await ws.send_json(command)
    await ws.send_json({"type": "subscribe", "stream": "no-such-stream"})
    assert await next_frame(ws) == {"error": "Unknown stream type", "status": 400}


def status_of(frame: Frame) -> dict[str, Any]:
    assert frame["event"] in {"update", "status.update"}, frame
    status: dict[str, Any] = orjson.loads(frame["payload"])
    return status


# -- WebSocket -----------------------------------------------------------------------------


class EventStream:
    """Reads a server-sent event stream line by line."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def line(self) -> str:
        raw = await asyncio.wait_for(self.response.content.readline(), WAIT)
        assert raw, "the stream ended"
        return raw.decode().rstrip("\n")

    async def event(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            line = await self.line()
            if line.startswith(":"):
                continue  # a comment: the opening `:)` or a heartbeat
            if line:
                key, _, value = line.partition(": ")
                fields[key] = value
            elif fields:
                return fields


async def timeline_ids(client: Client, token: str, path: str) -> set[str]:
    response = await client.get(path, params={"limit": "40"}, headers=bearer(token))
    return {status["id"] for status in await response.json()}
