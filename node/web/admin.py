"""The admin's sign-up page: who may join, from which email domains, approvals and invites."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from node import keys
from node.domain.accounts import Account, AccountId, Role
from node.domain.errors import NotFound, ValidationFailed
from node.domain.numbers import whole_number
from node.domain.signup import SignUpMode
from node.infra.mail import Mailer
from node.services.accounts import invites, signup
from node.web.forms import form_text, path_id, read_form
from node.web.render import render

routes = web.RouteTableDef()
PAGE = "/admin/sign-up"
_NOTICES = {
    "saved": "Sign-up settings saved.",
    "approved": "Account approved. They can sign in now.",
    "rejected": "Sign-up rejected; the account was removed.",
}


def _admin(request: web.Request) -> Account:
    account: Account | None = request.get(keys.CURRENT_ACCOUNT)
    if account is None:
        raise web.HTTPSeeOther(f"/sign-in?next={PAGE}")
    if account.role is not Role.ADMIN:
        raise web.HTTPForbidden(text="Only an admin of this node can open this page.")
    return account


@routes.get(PAGE, name="admin_sign_up")
async def settings_page(request: web.Request) -> web.Response:
    notice = _NOTICES.get(request.query.get("done", ""))
    return await _page(request, _admin(request), notice=notice)


@routes.post(PAGE)
async def save_settings(request: web.Request) -> web.StreamResponse:
    admin = _admin(request)
    form = await read_form(request)
    mode, domains = form_text(form, "mode", 20), form_text(form, "domains", 20_000)
    try:
        await signup.update_policy(request.app[keys.DATABASE], admin, mode, domains)
    except ValidationFailed as error:
        problems = {error.field: error.message}
        entered = {"mode": mode, "domains": domains}
        return await _page(request, admin, problems=problems, entered=entered, status=422)
    raise web.HTTPSeeOther(f"{PAGE}?done=saved")


@routes.post(PAGE + r"/accounts/{account_id:[0-9]{1,18}}")
async def decide(request: web.Request) -> web.StreamResponse:
    admin = _admin(request)
    form = await read_form(request)
    account_id = AccountId(path_id(request, "account_id"))
    approve = form_text(form, "decision") == "approve"
    mailer = Mailer.from_settings(request.app[keys.SETTINGS])
    try:
        await signup.decide(request.app[keys.NODE], mailer, admin, account_id, approve=approve)
    except NotFound as error:
        return await _page(request, admin, problems={"pending": str(error)}, status=404)
    raise web.HTTPSeeOther(f"{PAGE}?done={'approved' if approve else 'rejected'}")


@routes.post(PAGE + "/invites")
async def create_invite(request: web.Request) -> web.Response:
    admin = _admin(request)
    form = await read_form(request)
    uses, days = form_text(form, "uses", 10), form_text(form, "days", 10)
    try:
        invite = await invites.create_invite(
            request.app[keys.DATABASE], created_by=admin,
            max_uses=_count(uses, "uses", f"Give a whole number of uses, 1 to {invites.MAX_USES}"),
            expires_in_days=_count(days, "days", "Give a whole number of days, 1 or more"),
        )  # fmt: skip
    except ValidationFailed as error:
        entered = {"uses": uses, "days": days}
        problems = {error.field: error.message}
        return await _page(request, admin, problems=problems, entered=entered, status=422)
    link = f"{request.app[keys.SETTINGS].public_url}/sign-up?invite={invite.code}"
    return await _page(request, admin, invite=invite, invite_link=link, status=201)


def _count(text: str, field: str, message: str) -> int | None:
    """An optional whole number from the form: empty is None (no limit)."""
    if not text.strip():
        return None
    value = whole_number(text)
    if value is None:
        raise ValidationFailed(field, message)
    return value


async def _page(
    request: web.Request,
    admin: Account,
    *,
    notice: str | None = None,
    problems: Mapping[str, str] | None = None,
    entered: Mapping[str, str] | None = None,
    invite: object = None,
    invite_link: str | None = None,
    status: int = 200,
) -> web.Response:
    mailer = Mailer.from_settings(request.app[keys.SETTINGS])
    view = await signup.admin_view(request.app[keys.DATABASE], mailer, admin)
    context = {
        "view": view,
        "modes": list(SignUpMode),
        "notice": notice,
        "problems": problems or {},
        "entered": entered or {},
        "invite": invite,
        "invite_link": invite_link,
    }
    return await render(request, "admin_signup.html", context, status=status)
