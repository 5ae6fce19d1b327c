"""Instance metadata (v1 and v2) and the small read-only endpoints clients probe at start.

Both instance endpoints answer with and without a trailing slash: Mastodon.py asks for
`/api/v1/instance/` and recurses until RecursionError on a 404 (tooling notes). `version`
follows the Pleroma/GoToSocial convention so version-parsing clients enable 4.3 features.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import __version__, keys
from node.api import auth, responses
from node.api.serializers import MISSING_HEADER, VISIBILITY_TO_API
from node.domain.media import (
    CONTENT_TYPES,
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
)
from node.domain.signup import SignUpMode
from node.domain.text import MAX_TEXT
from node.services.accounts import accounts, signup
from node.services.posts.polls import MAX_DURATION, MIN_DURATION

routes = web.RouteTableDef()

MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; Commonroom {__version__})"
# Mastodon's API version of 4.3 (instance v2 `api_versions`), what we implement.
API_VERSION = 2
TITLE = "Commonroom"
DESCRIPTION = "A Commonroom node: a federated network for educators."
MAX_POLL_OPTIONS = 4  # services.polls.PollDraft allows 2 to 4 choices
MAX_POLL_OPTION_CHARS = 100


def _configuration() -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 20},
        "statuses": {
            "max_characters": MAX_TEXT,
            "max_media_attachments": MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": sorted(CONTENT_TYPES.values()),
            "description_limit": MAX_DESCRIPTION,
            "image_size_limit": MAX_UPLOAD_BYTES,
            "image_matrix_limit": MAX_PIXELS,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": MAX_POLL_OPTIONS,
            "max_characters_per_option": MAX_POLL_OPTION_CHARS,
            "min_expiration": int(MIN_DURATION.total_seconds()),
            "max_expiration": int(MAX_DURATION.total_seconds()),
        },
    }


async def _registrations(request: web.Request) -> tuple[bool, bool]:
    policy = await signup.sign_up_policy(request.app[keys.DATABASE])
    return policy.mode is not SignUpMode.CLOSED, policy.needs_approval


def _streaming(request: web.Request) -> str:
    # Streaming is served by every web process on this host (node/api/streaming.py), over
    # ws:// or wss:// as the public URL is http or https; masto.js needs the ws(s) URL here.
    base = request.app[keys.SETTINGS].public_url
    return "wss://" + base[len("https://") :] if base.startswith("https://") else "ws://" + (
        base[len("http://") :]
    )  # fmt: skip


@routes.get("/api/v1/instance")
@routes.get("/api/v1/instance/")
async def instance_v1(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    users = await accounts.count_accounts(request.app[keys.DATABASE])
    open_, approval = await _registrations(request)
    return responses.json({
        "uri": settings.public_host,
        "title": TITLE,
        "short_description": DESCRIPTION,
        "description": DESCRIPTION,
        "email": "",
        "version": VERSION,
        "urls": {"streaming_api": _streaming(request)},
        # Post and peer counts are not published, as in NodeInfo (FEP-0151).
        "stats": {"user_count": users, "status_count": 0, "domain_count": 0},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": open_,
        "approval_required": approval,
        "invites_enabled": False,
        "configuration": _configuration(),
        "contact_account": None,
        "rules": [],
    })  # fmt: skip


@routes.get("/api/v2/instance")
@routes.get("/api/v2/instance/")
async def instance_v2(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    open_, approval = await _registrations(request)
    return responses.json({
        "domain": settings.public_host,
        "title": TITLE,
        "version": VERSION,
        "source_url": settings.source_code_url,
        "description": DESCRIPTION,
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": settings.public_url + MISSING_HEADER},
        "icon": [],
        "languages": ["en"],
        "configuration": _configuration() | {
            "urls": {"streaming": _streaming(request)},
            "vapid": {"public_key": ""},
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": open_, "approval_required": approval, "message": None,
                          "url": None},
        "api_versions": {"mastodon": API_VERSION},
        "contact": {"email": "", "account": None},
        "rules": [],
    })  # fmt: skip


@routes.get("/api/v1/custom_emojis")
async def custom_emojis(request: web.Request) -> web.Response:
    return responses.json([])


@routes.get("/api/v1/preferences")
async def preferences(request: web.Request) -> web.Response:
    """Posting defaults; there are no per-person settings for these yet."""
    auth.user(request, "read:accounts")
    return responses.json({
        "posting:default:visibility": VISIBILITY_TO_API["public"],
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })  # fmt: skip
