"""create_app(settings): the only way to build the web application, for tests and production."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp_jinja2
import aiohttp_session
import jinja2
from aiohttp import web
from prometheus_client import CollectorRegistry

from node import keys
from node.api.routes import api_edge, setup_api_routes
from node.api.streaming import setup_streaming
from node.domain.errors import ConfigurationMissing
from node.domain.urls import Urls
from node.fedi.routes import setup_fedi_routes
from node.infra.media_store import LocalMediaStore
from node.metrics import PoolCollector, http_metrics, queue_gauge
from node.paths import templates_dir
from node.routing import clean_url
from node.services.kernel.context import NodeContext, federation_client
from node.settings import Settings
from node.storage.pool import Database
from node.web.middlewares import csrf_protect, current_account, error_pages, observe
from node.web.routes import setup_routes
from node.web.session import session_storage

# Above the 10 MiB image limit, so a too-large image gets the media service's clear message.
MAX_REQUEST_BODY = 1024 * 1024 * 12


def create_app(settings: Settings) -> web.Application:
    if not settings.database_url or not settings.secret_key:
        raise ConfigurationMissing("create_app needs settings with a database URL and secret key")
    app = web.Application(
        middlewares=[clean_url, observe, error_pages], client_max_size=MAX_REQUEST_BODY
    )
    app[keys.SETTINGS] = settings
    registry = CollectorRegistry()
    app[keys.METRICS_REGISTRY] = registry
    app[keys.HTTP_METRICS] = http_metrics(registry)
    app[keys.QUEUE_GAUGE] = queue_gauge(registry)
    aiohttp_session.setup(app, session_storage(settings))
    # The API's middleware runs before CSRF, so it answers its own paths (JSON errors, tokens).
    app.middlewares.extend([api_edge, current_account, csrf_protect])
    _setup_templates(app)
    setup_fedi_routes(app)
    setup_routes(app)
    setup_api_routes(app)
    app.cleanup_ctx.append(_database)
    setup_streaming(app)  # after the database: the streaming hub uses the pool
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    assert settings.database_url is not None
    db = await Database.connect(settings.database_url)
    app[keys.DATABASE] = db

    def read_pool() -> tuple[int, int, int]:
        stats = db.stats()
        return stats.size, stats.idle, stats.max_size

    app[keys.METRICS_REGISTRY].register(PoolCollector(read_pool))
    http = federation_client(settings.public_url, loopback=settings.federation_loopback)
    await http.open()
    app[keys.NODE] = NodeContext(
        db=db, urls=Urls(settings.public_url), http=http, loopback=settings.federation_loopback,
        media=LocalMediaStore(settings.data_dir / "media", settings.public_url),
    )  # fmt: skip
    yield
    await http.close()
    await db.close()


def _setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["node_name"] = "Commonroom"
    env.globals["static"] = lambda name: str(app.router["static"].url_for(filename=name))
