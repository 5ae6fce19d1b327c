"""Discussion groups as HTML: the directory, creating a group, and a group's settings (its
invitations and moderators too). The group and thread pages are in node.web.group_pages; the
one-click forms (join, post, pin, remove...) in node.web.group_actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from aiohttp import web

from node import keys
from node.domain.accounts import Account
from node.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from node.domain.groups import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_RULES,
    GroupSettings,
    JoinPolicy,
    parse_tags,
)
from node.routing import csrf_exempt
from node.services.groups import groups
from node.services.groups.groups import GroupInfo
from node.web import csrf
from node.web.forms import form_text, query_number, read_form
from node.web.render import render
from node.web.timelines import signed_in, viewer_of
from node.web.uploads import read_upload_form

routes = web.RouteTableDef()
EXPIRED_FORM = "This form has expired. Go back, reload the page and retry."

# `name` for a group here, `name@host` for a group elsewhere (as find_group reads it).
HANDLE = r"{handle:[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.:-]{1,255})?}"
LIMITS = {"name": MAX_NAME, "description": MAX_DESCRIPTION, "rules": MAX_RULES}
_FIELDS = {"username": "slug", "email": "slug"}  # what the account layer calls the slug


def group_path(group: GroupInfo) -> str:
    return f"/groups/{group.handle}"


async def group_for(request: web.Request) -> GroupInfo:
    """The group named in the path (NotFound if there is none)."""
    return await groups.find_group_for(
        request.app[keys.NODE], viewer_of(request), request.match_info["handle"]
    )


def page_number(request: web.Request) -> int:
    return query_number(request, "page", 0, 999)


def settings_from(form: Mapping[str, object]) -> GroupSettings:
    """The settings form as typed; GroupSettings.validate() judges it."""
    return GroupSettings(
        name=form_text(form, "name").strip(),
        description=form_text(form, "description").strip(),
        rules=form_text(form, "rules").strip(),
        join_policy=cast(JoinPolicy, form_text(form, "join_policy", 20)),
        members_only=bool(form_text(form, "members_only", 10)),
        subjects=parse_tags(form_text(form, "subjects", 2000)),
        grades=parse_tags(form_text(form, "grades", 2000)),
        members_listed=bool(form_text(form, "members_listed", 10)),
    )


def settings_of(group: GroupInfo) -> GroupSettings:
    return GroupSettings(
        name=group.name, description=group.description, rules=group.rules,
        join_policy=group.join_policy, members_only=group.members_only,
        subjects=group.subjects, grades=group.grades, members_listed=group.members_listed,
    )  # fmt: skip


def problem(error: ValidationFailed | Conflict) -> dict[str, str]:
    return {_FIELDS.get(error.field, error.field): error.message}


@routes.get("/groups", name="groups")
async def directory(request: web.Request) -> web.StreamResponse:
    ctx, viewer = request.app[keys.NODE], viewer_of(request)
    wanted = request.query.get("find", "").strip()[:500]
    find_error = None
    if wanted:
        try:
            found = await groups.find_group_for(ctx, viewer, wanted)
        except DomainError as error:
            find_error = f"No group found for {wanted}: {error}"
        else:
            raise web.HTTPSeeOther(group_path(found))
    query, page = request.query.get("q", "").strip()[:100], page_number(request)
    context = {
        "query": query, "page": page, "wanted": wanted, "find_error": find_error,
        "found": await groups.directory_page(ctx, query, page),
        "mine": await groups.my_groups(ctx, viewer) if viewer else [],
        "can_create": viewer is not None and groups.may_create_groups(viewer),
    }  # fmt: skip
    return await render(request, "groups/directory.html", context)


def _creator(request: web.Request) -> Account:
    account = signed_in(request)
    if not groups.may_create_groups(account):
        raise Forbidden("students cannot create groups")
    return account


@routes.get("/groups/new", name="new_group")
async def new_group(request: web.Request) -> web.Response:
    _creator(request)
    return await _create_form(request, GroupSettings(name=""), "", {})


@routes.post("/groups/new")
async def create_group(request: web.Request) -> web.Response:
    account = _creator(request)
    form = await read_form(request)
    slug, settings = form_text(form, "slug", 100).strip(), settings_from(form)
    try:
        group = await groups.create_group(request.app[keys.NODE], account, slug, settings)
    except (ValidationFailed, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return await _create_form(request, settings, slug, problem(error), status)
    raise web.HTTPSeeOther(group_path(group))


async def _create_form(
    request: web.Request, edit: GroupSettings, slug: str, problems: dict[str, str],
    status: int = 200,
) -> web.Response:  # fmt: skip
    context = {"edit": edit, "slug": slug, "problems": problems, "limits": LIMITS}
    return await render(request, "groups/new.html", context, status=status)


@routes.get(rf"/groups/{HANDLE}/settings", name="group_settings")
async def settings_page(request: web.Request) -> web.Response:
    account = signed_in(request)
    group = await group_for(request)
    await groups.require_moderator(request.app[keys.NODE], account, group)
    saved = {"1": "The group's settings are saved.", "invited": "The invitation is sent.",
             "role": "The moderators are updated.", "picture": "The group's picture is saved.",
             }.get(request.query.get("saved", ""))  # fmt: skip
    return await _settings_form(request, account, group, settings_of(group), {}, saved=saved)


@routes.post(rf"/groups/{HANDLE}/settings")
async def save_settings(request: web.Request) -> web.Response:
    account, group = signed_in(request), await group_for(request)
    ctx = request.app[keys.NODE]
    await groups.require_moderator(ctx, account, group)  # before telling anyone what is wrong
    settings = settings_from(await read_form(request))
    try:
        await groups.update_settings(ctx, account, group, settings)
    except ValidationFailed as error:
        return await _settings_form(request, account, group, settings, problem(error), 422)
    raise web.HTTPSeeOther(f"{group_path(group)}/settings?saved=1")


@routes.post(rf"/groups/{HANDLE}/invitations")
async def invite(request: web.Request) -> web.Response:
    account, group = signed_in(request), await group_for(request)
    target = form_text(await read_form(request), "target", 500).strip()
    try:
        await groups.invite(request.app[keys.NODE], account, group, target)
    except (ValidationFailed, NotFound) as error:
        problems = {"target": f"No one to invite at “{target}”: {error}"}
        return await _settings_form(request, account, group, settings_of(group), problems, 422)
    raise web.HTTPSeeOther(f"{group_path(group)}/settings?saved=invited")


@routes.post(rf"/groups/{HANDLE}/roles")
async def set_role(request: web.Request) -> web.Response:
    account, group = signed_in(request), await group_for(request)
    form = await read_form(request)
    username = form_text(form, "username", 100).strip().lstrip("@")
    moderator = form_text(form, "role", 20) == "moderator"
    try:
        await groups.set_role(
            request.app[keys.NODE], account, group, username,
            "moderator" if moderator else "member",
        )  # fmt: skip
    except NotFound as error:
        problems = {"username": str(error)}
        return await _settings_form(request, account, group, settings_of(group), problems, 422)
    raise web.HTTPSeeOther(f"{group_path(group)}/settings?saved=role")


@routes.post(rf"/groups/{HANDLE}/picture")
@csrf_exempt  # multipart: the token is checked below, once the form is read
async def upload_picture(request: web.Request) -> web.Response:
    account, group = signed_in(request), await group_for(request)
    ctx = request.app[keys.NODE]
    await groups.require_moderator(ctx, account, group)
    try:
        form = await read_upload_form(request, text_fields=("_csrf", "description"),
                                      field_name="picture")  # fmt: skip
        if not await csrf.matches(request, form.text.get("_csrf", "")):
            raise web.HTTPForbidden(text=EXPIRED_FORM)
        if not form.file:
            raise ValidationFailed("picture", "choose an image to upload")
        await groups.set_picture(ctx, account, group, form.file, form.text.get("description", ""))
    except ValidationFailed as error:
        problems = {"picture": error.message}
        return await _settings_form(request, account, group, settings_of(group), problems, 422)
    raise web.HTTPSeeOther(f"{group_path(group)}/settings?saved=picture")


async def _settings_form(
    request: web.Request, account: Account, group: GroupInfo, edit: GroupSettings,
    problems: dict[str, str], status: int = 200, *, saved: str | None = None,
) -> web.Response:  # fmt: skip
    ctx = request.app[keys.NODE]
    mine = await groups.membership(ctx, account, group)
    context = {
        "group": group, "edit": edit, "problems": problems, "limits": LIMITS, "saved": saved,
        "moderators": await groups.moderators(ctx, group), "is_owner": mine.role == "owner",
    }  # fmt: skip
    return await render(request, "groups/settings.html", context, status=status)
