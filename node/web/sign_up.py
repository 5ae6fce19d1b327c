"""Sign up, confirm an email address, get a new confirmation link, reset a forgotten password."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.domain.errors import NotFound
from node.domain.signup import SignUpForm, SignUpMode, SignUpRefused, SignUpUnavailable
from node.infra.mail import Mailer
from node.services.accounts import signup
from node.web.forms import form_text, read_form
from node.web.render import render

routes = web.RouteTableDef()


def _mailer(request: web.Request) -> Mailer:
    return Mailer.from_settings(request.app[keys.SETTINGS])


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


@routes.get("/sign-up", name="sign_up")
async def sign_up_form(request: web.Request) -> web.Response:
    page = await signup.sign_up_page(request.app[keys.DATABASE], _mailer(request))
    values = {"username": "", "email": "", "invite_code": request.query.get("invite", "")[:100]}
    return await _form_page(request, page, values, {})


@routes.post("/sign-up")
async def sign_up(request: web.Request) -> web.Response:
    form = await read_form(request)
    entered = SignUpForm(
        username=form_text(form, "username", 100).strip().lstrip("@"),
        email=form_text(form, "email", 300).strip(),
        password=form_text(form, "password", 2000),
        confirm=form_text(form, "confirm", 2000),
        invite_code=form_text(form, "invite_code", 100).strip(),
    )
    values = {
        "username": entered.username,
        "email": entered.email,
        "invite_code": entered.invite_code,
    }
    ctx, mailer = request.app[keys.NODE], _mailer(request)
    try:
        result = await signup.sign_up(ctx, mailer, entered, _client(request))
    except SignUpRefused as refused:
        page = await signup.sign_up_page(ctx.db, mailer)
        return await _form_page(request, page, values, refused.problems, status=422)
    except SignUpUnavailable:
        page = await signup.sign_up_page(ctx.db, mailer)
        status = 403 if page.policy.mode is SignUpMode.CLOSED else 503
        return await _form_page(request, page, values, {}, status=status)
    context = {
        "email": result.account.email,
        "email_sent": result.email_sent,
        "needs_approval": result.needs_approval,
    }
    return await render(request, "sign_up_done.html", context, status=201)


async def _form_page(
    request: web.Request,
    page: signup.SignUpPage,
    values: dict[str, str],
    problems: dict[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {
        "page": page,
        "values": values,
        "problems": problems,
    }
    return await render(request, "sign_up.html", context, status=status)


@routes.get("/verify/{token}", name="verify_email")
async def confirm_form(request: web.Request) -> web.Response:
    # A button, not a confirmation on GET: school mail filters open links to scan them, and
    # that must not use up the person's one-time link.
    try:
        account = await signup.confirmation_account(
            request.app[keys.DATABASE], request.match_info["token"]
        )
    except NotFound as error:
        return await _dead_link(request, str(error))
    return await render(request, "verify.html", {"account": account})


@routes.post("/verify/{token}")
async def confirm(request: web.Request) -> web.Response:
    try:
        confirmed = await signup.confirm_email(
            request.app[keys.DATABASE], request.match_info["token"]
        )
    except NotFound as error:
        return await _dead_link(request, str(error))
    return await render(request, "verify_done.html", {"confirmed": confirmed})


async def _dead_link(request: web.Request, message: str) -> web.Response:
    return await render(request, "verify_resend.html", {"error": message, "email": ""}, status=410)


@routes.get("/sign-up/resend", name="resend_confirmation")
async def resend_form(request: web.Request) -> web.Response:
    context = {"error": None, "email": request.query.get("email", "")[:300]}
    return await render(request, "verify_resend.html", context)


@routes.post("/sign-up/resend")
async def resend(request: web.Request) -> web.Response:
    form = await read_form(request)
    email = form_text(form, "email", 300).strip()
    try:
        sent = await signup.resend_confirmation(
            request.app[keys.NODE], _mailer(request), email, _client(request)
        )
    except SignUpUnavailable as error:
        unavailable = {"error": str(error), "email": email}
        return await render(request, "verify_resend.html", unavailable, status=503)
    answer = {"email": email, "sent": sent}
    return await render(request, "verify_resent.html", answer, status=200 if sent else 502)


@routes.get("/password-reset", name="password_reset")
async def reset_form(request: web.Request) -> web.Response:
    return await render(request, "reset.html", {"error": None, "email": ""})


@routes.post("/password-reset")
async def reset(request: web.Request) -> web.Response:
    form = await read_form(request)
    email = form_text(form, "email", 300).strip()
    if not email:
        context = {"error": "Enter the email address of your account", "email": ""}
        return await render(request, "reset.html", context, status=422)
    try:
        await signup.request_password_reset(
            request.app[keys.NODE], _mailer(request), email, _client(request)
        )
    except SignUpUnavailable:
        context = {"error": "This node cannot send email, so it cannot send reset links. "
                   "Ask your administrator to reset your password.", "email": email}  # fmt: skip
        return await render(request, "reset.html", context, status=503)
    return await render(request, "reset_sent.html", {"email": email})
