"""Operations endpoints: /healthz for load balancers, /metrics for Prometheus, /source for
anyone (the running version's source, as the AGPL asks)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node import __version__, keys
from node.infra.source import source_archive
from node.services.kernel.health import check_health, queue_states

routes = web.RouteTableDef()


@routes.get("/healthz", name="healthz")
async def healthz(request: web.Request) -> web.Response:
    health = await check_health(request.app[keys.DATABASE])
    body = {
        "status": "ok" if health.database_ok else "unavailable",
        "database": health.database_detail,
    }
    return web.json_response(
        body, status=200 if health.database_ok else 503, headers={"Cache-Control": "no-store"}
    )


@routes.get("/metrics", name="metrics")
async def metrics(request: web.Request) -> web.Response:
    gauge = request.app[keys.QUEUE_GAUGE]
    counts = await queue_states(request.app[keys.DATABASE])
    gauge.clear()
    for (queue, state), count in counts.items():
        gauge.labels(queue, state).set(count)
    payload = generate_latest(request.app[keys.METRICS_REGISTRY])
    return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.get("/source", name="source")
async def source(request: web.Request) -> web.Response:
    """The source of the version this node runs (COMMONROOM_SOURCE_URL points here unless the
    operator names a public repository instead)."""
    archive = await asyncio.to_thread(source_archive, f"commonroom-{__version__}")
    name = f"commonroom-{__version__}-source.tar.gz"
    return web.Response(
        body=archive,
        content_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
