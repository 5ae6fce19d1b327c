"""Markers: where a person stopped reading `home` and `notifications` (services.markers)."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import unprocessable
from node.api.ids import parse_row_id
from node.api.params import Params
from node.api.serializers import JSON
from node.services.social import markers
from node.services.social.markers import Marker

routes = web.RouteTableDef()


def marker_to_api(marker: Marker) -> JSON:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": responses.timestamp(marker.updated_at),
    }


@routes.get("/api/v1/markers")
async def get_markers(request: web.Request) -> web.Response:
    account = auth.user(request, "read:statuses")
    wanted = Params({}, request.query).texts("timeline", max_items=8, max_length=20)
    found = await markers.markers(request.app[keys.NODE], account, wanted)
    return responses.json({m.timeline: marker_to_api(m) for m in found})


@routes.post("/api/v1/markers")
async def save_markers(request: web.Request) -> web.Response:
    """`home[last_read_id]`, `notifications[last_read_id]` (form) or the same nested in JSON."""
    account = auth.user(request, "write:statuses")
    params = await Params.read(request)
    positions: dict[str, int] = {}
    for timeline in markers.TIMELINES:
        text = params.sub(timeline).text("last_read_id", 40)
        if text is None:
            continue
        last_read_id = parse_row_id(text.strip())
        if last_read_id is None:
            raise unprocessable(f"Validation failed: {timeline}[last_read_id] is not an id")
        positions[timeline] = last_read_id
    saved = await markers.save_markers(request.app[keys.NODE], account, positions)
    return responses.json({m.timeline: marker_to_api(m) for m in saved})
