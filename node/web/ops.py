"""Operations endpoints: /healthz for load balancers, /metrics for Prometheus."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node import keys
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
