"""The signed-in person's own account: as verify_credentials shows it, and edited through
`PATCH /api/v1/accounts/update_credentials`.

An edit goes through services.profiles, the settings page's service, so it is checked by the
same rules and reaches followers' servers as the same `Update(Person)`. Parameters left out
keep their value (Mastodon's partial update); `fields_attributes`, when sent, replaces every
field.
"""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api import auth, responses
from node.api.errors import unprocessable
from node.api.params import Params, json_document
from node.api.serializers import JSON, credential_account_to_api
from node.domain.accounts import Account
from node.domain.media import MAX_DESCRIPTION
from node.domain.profiles import (
    IMAGE_SLOTS,
    MAX_BIO,
    ImageSlot,
    Profile,
    ProfileEdit,
    ProfileField,
    ProfileRefused,
)
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext
from node.services.profiles import profiles
from node.services.social import follow_requests

routes = web.RouteTableDef()

_MAX_ROWS = 16  # field rows read from a request; more than MAX_FIELDS is refused by the rules
_MAX_LINE = 1000  # read a little past the limits, so that an overlong value is refused, not cut


async def credential_account(ctx: NodeContext, account: Account) -> JSON:
    """The CredentialAccount entity: the Account plus its `source` and `role`."""
    view = await profiles.profile_view(ctx, account)
    stats = await profiles.account_stats(ctx, account.id)
    profile = await profiles.get_profile(ctx, account)
    waiting = await follow_requests.pending_requests(ctx, account)
    return credential_account_to_api(ctx.urls, account, view, stats, profile, len(waiting))


@routes.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: web.Request) -> web.Response:
    account = auth.user(request, "write:accounts")
    ctx = request.app[keys.NODE]
    params = await Params.read(request)
    profile = await profiles.get_profile(ctx, account)
    edit = _edit(params, account, profile, await _fields(request, params))
    try:
        account = await profiles.update_profile(ctx, account, edit)
    except ProfileRefused as refused:
        problems = "; ".join(refused.problems.values())
        raise unprocessable(f"Validation failed: {problems}") from None
    for slot in IMAGE_SLOTS:
        await _image(ctx, account, params, slot)
    fresh = await accounts.get_account(ctx.db, account.id)
    return responses.json(await credential_account(ctx, fresh or account))


def _edit(
    params: Params, account: Account, profile: Profile, fields: tuple[ProfileField, ...] | None
) -> ProfileEdit:
    display_name = params.text("display_name", _MAX_LINE)
    note = params.text("note", 10 * MAX_BIO)
    return ProfileEdit(
        display_name=account.display_name if display_name is None else display_name,
        bio=account.bio if note is None else note,
        fields=profile.fields if fields is None else fields,
        locked=_flag(params, "locked", profile.locked),
        discoverable=_flag(params, "discoverable", profile.discoverable),
        indexable=_flag(params, "indexable", profile.indexable),
    )


def _flag(params: Params, name: str, current: bool) -> bool:
    given = params.flag(name)
    return current if given is None else given


async def _fields(request: web.Request, params: Params) -> tuple[ProfileField, ...] | None:
    """`fields_attributes[0][name]` … as a form or a JSON object keyed by position, or a JSON
    array of `{name, value}` (Rails takes both); None when none were sent."""
    found = _rows(params.sub("fields_attributes"))
    if found:
        return found
    listed = await _json_rows(request)
    return None if listed is None else _rows(listed)


def _rows(rows: Params) -> tuple[ProfileField, ...]:
    found = []
    for index in range(_MAX_ROWS):
        row = rows.sub(str(index))
        name, value = row.text("name", _MAX_LINE), row.text("value", _MAX_LINE)
        if name is not None or value is not None:
            found.append(ProfileField(name or "", value or ""))
    return tuple(found)


async def _json_rows(request: web.Request) -> Params | None:
    if "json" not in request.content_type.lower() or not request.body_exists:
        return None
    try:  # the body was already read and parsed by Params.read; this is its cached copy
        document = json_document(await request.read())
    except ValueError:
        return None
    rows = document.get("fields_attributes") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        return None
    return Params({str(index): row for index, row in enumerate(rows[:_MAX_ROWS])})


async def _image(ctx: NodeContext, account: Account, params: Params, slot: ImageSlot) -> None:
    """A new avatar or header (multipart), and/or its alt text (`avatar_description`)."""
    upload = params.file(slot)
    data = upload.file.read() if upload is not None else None
    description = params.text(f"{slot}_description", MAX_DESCRIPTION * 2)
    if data:
        await profiles.set_image(ctx, account, slot, data, description=description or "")
    elif description is not None:
        await profiles.set_image(ctx, account, slot, None, description=description)
