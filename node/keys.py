"""Every typed application and request key, declared once (STYLE.md: no string keys)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge

from node.domain.accounts import Account
from node.domain.oauth import Grant
from node.metrics import HttpMetrics
from node.services.kernel.context import NodeContext
from node.settings import Settings
from node.storage.pool import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)
QUEUE_GAUGE = web.AppKey("queue_gauge", Gauge)
NODE = web.AppKey("node", NodeContext)

CURRENT_ACCOUNT = web.RequestKey("current_account", Account)
REQUEST_ID = web.RequestKey("request_id", str)
# The client API: what the bearer token may do, and the person it acts for (none: an app token).
API_GRANT = web.RequestKey("api_grant", Grant)
API_ACCOUNT = web.RequestKey("api_account", Account)
