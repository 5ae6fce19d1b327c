"""Security headers on every HTML page: a strict Content-Security-Policy.

The pages run no script and carry no inline style (site.css holds it all), so the policy
allows only this origin, except for images: avatars, headers and attachments of people and
groups elsewhere are hot-linked from their servers over https (and http in loopback mode,
where test nodes run on 127.0.0.x). Responses that set their own policy (media files) keep it.
"""

from __future__ import annotations

from aiohttp import web

from node import keys

CSP = "Content-Security-Policy"


def content_security_policy(*, loopback: bool) -> str:
    remote_images = "https: http:" if loopback else "https:"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' {remote_images}",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


async def protect_pages(request: web.Request, response: web.StreamResponse) -> None:
    if response.content_type != "text/html" or CSP in response.headers:
        return
    loopback = request.app[keys.SETTINGS].federation_loopback
    response.headers[CSP] = content_security_policy(loopback=loopback)
    response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
