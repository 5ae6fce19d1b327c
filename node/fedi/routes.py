"""Gather the route tables of the server-to-server edge."""

from __future__ import annotations

from aiohttp import web

from node.fedi import documents, inbox, wellknown


def setup_fedi_routes(app: web.Application) -> None:
    for table in (wellknown.routes, documents.routes, inbox.routes):
        app.router.add_routes(table)
