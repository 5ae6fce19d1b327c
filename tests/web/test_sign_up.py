"""Signing up through the real forms: modes, domain allow-list, invites, email confirmation
over real SMTP, approval, password reset and rate limits, against a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from node.app import create_app
from node.domain.accounts import Account, Role
from node.domain.errors import NotFound
from node.services.accounts import accounts, invites, signup
from node.services.kernel.db import Database
from node.settings import Settings
from tests.support.html import csrf_token
from tests.support.people import PASSWORD
from tests.support.smtp import MailCatcher, body_of, link_in
from tests.support.web import Client, sign_in


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def settings(settings: Settings, mail: MailCatcher) -> Settings:
    """The shared settings, with mail going to the test's SMTP server."""
    return replace(settings, smtp_url=mail.url)


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    db = await Database.connect(str(settings.database_url), min_size=1, max_size=2)
    try:
        yield db
    finally:
        await db.close()


async def _admin(settings: Settings) -> Account:
    async with _database(settings) as db:
        return await accounts.create_account(
            db, "principal", "principal@district.example", role=Role.ADMIN, password=PASSWORD
        )


async def _set_mode(settings: Settings, mode: str, domains: str = "") -> None:
    admin = await _admin(settings)
    async with _database(settings) as db:
        await signup.update_policy(db, admin, mode, domains)


async def _sign_up(client: Client, path: str = "/sign-up", **fields: str) -> tuple[int, str]:
    form = await client.get(path)
    data = {
        "username": "ana",
        "email": "ana@district.example",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "_csrf": csrf_token(await form.text()),
    }
    data.update(fields)
    response = await client.post("/sign-up", data=data)
    return response.status, await response.text()


async def _post_form(client: Client, page_path: str, action: str, **fields: str) -> tuple[int, str]:
    """Open `page_path` for its CSRF token, then post `fields` to `action`."""
    page = await client.get(page_path)
    data = {"_csrf": csrf_token(await page.text()), **fields}
    response = await client.post(action, data=data)
    return response.status, await response.text()


async def _confirm(client: Client, link: str) -> str:
    path = urlsplit(link).path
    page = await client.get(path)
    assert page.status == 200
    assert "Confirm my address" in await page.text()
    done = await client.post(path, data={"_csrf": csrf_token(await page.text())})
    assert done.status == 200
    return await done.text()


def _shows_signed_in(page: str) -> bool:
    return 'action="/sign-out"' in page


async def test_a_new_node_is_closed_and_says_so(client: Client, settings: Settings) -> None:
    page = await (await client.get("/sign-up")).text()
    assert "Sign-up is closed on this node" in page
    assert 'name="username"' not in page
    status, refused = await _sign_up(client, "/sign-in")  # a page with a form, for its token
    assert status == 403
    assert "Sign-up is closed on this node" in refused
    async with _database(settings) as db:
        with pytest.raises(NotFound):
            await accounts.get_account_by_username(db, "ana")


async def test_open_sign_up_confirms_the_address_by_mail_then_signs_in(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "open")
    page = await (await client.get("/sign-up")).text()
    assert "Anyone can join" in page

    status, done = await _sign_up(client)
    assert status == 201
    assert "We sent a link to <strong>ana@district.example</strong>" in done
    message = mail.last_to("ana@district.example")
    assert message["Subject"] == f"Confirm your email address for {settings.public_host}"
    assert message["Auto-Submitted"] == "auto-generated"
    link = link_in(message, "/verify/")
    assert link.startswith(settings.public_url)

    status, refused = await sign_in(client, "ana")
    assert status == 403
    assert "Check your email to confirm your address" in refused
    assert 'action="/sign-up/resend"' in refused and 'value="ana@district.example"' in refused

    confirmed = await _confirm(client, link)
    assert "Your address is confirmed" in confirmed
    status, home = await sign_in(client, "ana")
    assert status == 200
    assert _shows_signed_in(home)
    again = await client.get(urlsplit(link).path)
    assert again.status == 410
    assert "expired or was already used" in await again.text()


async def test_new_accounts_are_educators(client: Client, settings: Settings) -> None:
    await _set_mode(settings, "open")
    await _sign_up(client)
    async with _database(settings) as db:
        assert (await accounts.get_account_by_username(db, "ana")).role is Role.EDUCATOR


async def test_an_address_outside_the_allow_list_is_refused_with_a_clear_message(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "open", "district.example\nSchools.Example")
    page = await (await client.get("/sign-up")).text()
    rule = "Only addresses at district.example or schools.example can join this node"
    assert rule in page

    status, refused = await _sign_up(client, email="ana@gmail.example")
    assert status == 422
    assert f'<div class="error field-error" id="email-error">{rule}</div>' in refused
    assert 'role="alert"' in refused
    assert 'aria-describedby="email-hint email-error" aria-invalid="true"' in refused
    assert 'value="ana@gmail.example"' in refused  # what was typed is kept…
    assert PASSWORD not in refused  # …except the password
    assert mail.messages == []


@pytest.mark.parametrize(
    "address", ["ana@district.example", "ana@HS.District.Example", "ana@schools.example"]
)
async def test_addresses_at_allowed_domains_and_their_subdomains_are_accepted(
    client: Client, settings: Settings, address: str
) -> None:
    await _set_mode(settings, "open", "district.example, schools.example")
    status, _ = await _sign_up(client, email=address)
    assert status == 201


async def test_every_problem_is_named_at_its_field(client: Client, settings: Settings) -> None:
    await _set_mode(settings, "open")
    status, page = await _sign_up(
        client, username="has space", email="not-an-email", password="short", confirm="short"
    )
    assert status == 422
    assert "Please fix these 3 problems" in page
    assert 'id="username-error">Choose a username of 1 to 30 letters' in page
    assert 'id="email-error">not-an-email is not an email address' in page
    assert 'id="password-error">Use at least 10 characters' in page
    status, page = await _sign_up(client, confirm="something else entirely")
    assert 'id="confirm-error">The two passwords differ' in page


async def test_a_taken_username_or_address_says_so(client: Client, settings: Settings) -> None:
    await _set_mode(settings, "open")
    assert (await _sign_up(client))[0] == 201
    status, page = await _sign_up(client, username="ANA", email="Ana@District.example")
    assert status == 422
    assert "The username ANA is taken; choose another" in page
    assert "An account with this address already exists" in page
    status, page = await _sign_up(client, username="admin", email="x@district.example")
    assert "The username admin is reserved" in page


async def test_invite_only_sign_up_counts_uses_of_the_invite(
    client: Client, settings: Settings
) -> None:
    await _set_mode(settings, "invite")
    async with _database(settings) as db:
        invite = await invites.create_invite(db, max_uses=2)
    page = await (await client.get(f"/sign-up?invite={invite.code}")).text()
    assert "Sign-up is by invitation" in page
    assert f'value="{invite.code}"' in page

    status, missing = await _sign_up(client)
    assert status == 422 and "Enter the invite code from your invitation" in missing
    status, wrong = await _sign_up(client, invite_code="not-a-code")
    assert status == 422 and "That invite code does not exist" in wrong
    for name in ("ana", "ben"):
        path = f"/sign-up?invite={invite.code}"
        status, _ = await _sign_up(
            client, path, username=name, email=f"{name}@district.example", invite_code=invite.code
        )
        assert status == 201
    status, used_up = await _sign_up(
        client, username="cara", email="cara@district.example", invite_code=invite.code
    )
    assert status == 422 and "That invite has been used up" in used_up
    assert await _invite_uses(settings, invite.code) == 2


async def test_an_expired_invite_is_refused(client: Client, settings: Settings) -> None:
    await _set_mode(settings, "invite")
    async with _database(settings) as db:
        invite = await invites.create_invite(db, max_uses=5, expires_in_days=1)
    conn = await asyncpg.connect(str(settings.database_url))
    try:
        await conn.execute("UPDATE invites SET expires_at = now() - interval '1 minute'")
    finally:
        await conn.close()
    status, page = await _sign_up(client, invite_code=invite.code)
    assert status == 422
    assert "That invite has expired" in page
    assert await _invite_uses(settings, invite.code) == 0


async def test_a_refused_sign_up_does_not_spend_the_invite(
    client: Client, settings: Settings
) -> None:
    await _set_mode(settings, "invite")
    async with _database(settings) as db:
        invite = await invites.create_invite(db, max_uses=1)
    status, _ = await _sign_up(client, username="principal", invite_code=invite.code)
    assert status == 422
    assert await _invite_uses(settings, invite.code) == 0
    status, _ = await _sign_up(client, invite_code=invite.code)
    assert status == 201


async def _invite_uses(settings: Settings, code: str) -> int:
    conn = await asyncpg.connect(str(settings.database_url))
    try:
        uses: int = await conn.fetchval("SELECT uses FROM invites WHERE code = $1", code)
        return uses
    finally:
        await conn.close()


async def test_approval_mode_waits_for_an_admin_who_approves(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "approval")
    status, done = await _sign_up(client)
    assert status == 201 and "an administrator reviews your account" in done
    confirmed = await _confirm(client, link_in(mail.last_to("ana@district.example"), "/verify/"))
    assert "waiting for approval" in confirmed
    status, refused = await sign_in(client, "ana")
    assert status == 403 and "Your account is waiting for approval" in refused

    status, admin_home = await sign_in(client, "principal")
    assert status == 200 and 'href="/admin/sign-up"' in admin_home
    page = await (await client.get("/admin/sign-up")).text()
    assert "@ana" in page and "ana@district.example" in page
    account_id = await _account_id(settings, "ana")
    status, after = await _post_form(
        client, "/admin/sign-up", f"/admin/sign-up/accounts/{account_id}", decision="approve"
    )
    assert status == 200 and "Account approved" in after and "No one is waiting" in after
    approved = mail.last_to("ana@district.example")
    assert "is approved" in approved["Subject"]
    assert f"{settings.public_url}/sign-in" in body_of(approved)

    client.session.cookie_jar.clear()
    status, home = await sign_in(client, "ana")
    assert status == 200 and _shows_signed_in(home)


async def test_a_rejected_sign_up_is_removed_and_told(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "approval")
    await _sign_up(client)
    await _confirm(client, link_in(mail.last_to("ana@district.example"), "/verify/"))
    account_id = await _account_id(settings, "ana")
    await sign_in(client, "principal")
    status, after = await _post_form(
        client, "/admin/sign-up", f"/admin/sign-up/accounts/{account_id}", decision="reject"
    )
    assert status == 200 and "Sign-up rejected" in after
    assert "was not approved" in mail.last_to("ana@district.example")["Subject"]
    client.session.cookie_jar.clear()
    status, page = await sign_in(client, "ana")
    assert status == 401 and "do not match" in page


async def _account_id(settings: Settings, username: str) -> int:
    async with _database(settings) as db:
        return int((await accounts.get_account_by_username(db, username)).id)


async def test_the_admin_page_is_for_admins_only(client: Client, settings: Settings) -> None:
    await _set_mode(settings, "open")
    signed_out = await client.get("/admin/sign-up", allow_redirects=False)
    assert signed_out.status == 303
    assert signed_out.headers["Location"] == "/sign-in?next=/admin/sign-up"
    async with _database(settings) as db:
        await accounts.create_account(db, "teacher", "t@district.example", password=PASSWORD)
    await sign_in(client, "teacher")
    assert (await client.get("/admin/sign-up")).status == 403
    refused = await client.post("/admin/sign-up", data={"mode": "open"})
    assert refused.status == 403


async def test_an_admin_changes_the_mode_and_domains_on_the_page(
    client: Client, settings: Settings
) -> None:
    await _admin(settings)
    await sign_in(client, "principal")
    page = await (await client.get("/admin/sign-up")).text()
    assert "New nodes start closed" in page
    assert 'value="closed" checked' in page
    status, bad = await _post_form(
        client, "/admin/sign-up", "/admin/sign-up", mode="open", domains="district.example\ndomain!"
    )
    assert status == 422 and "domain! is not a domain name" in bad
    status, saved = await _post_form(
        client, "/admin/sign-up", "/admin/sign-up", mode="approval", domains="@District.Example"
    )
    assert status == 200 and "Sign-up settings saved" in saved
    assert 'value="approval" checked' in saved and ">district.example</textarea>" in saved
    sign_up_page = await (await client.get("/sign-up")).text()
    assert "An administrator reviews each new account" in sign_up_page
    assert "Only addresses at district.example can join this node" in sign_up_page


async def test_an_admin_creates_an_invite_link(client: Client, settings: Settings) -> None:
    await _admin(settings)
    await sign_in(client, "principal")
    status, page = await _post_form(
        client, "/admin/sign-up", "/admin/sign-up/invites", uses="3", days="7"
    )
    assert status == 201
    assert f"{settings.public_url}/sign-up?invite=" in page and "3 use(s)" in page
    status, bad = await _post_form(
        client, "/admin/sign-up", "/admin/sign-up/invites", uses="0", days=""
    )
    assert status == 422 and "Give a whole number of uses" in bad


async def test_without_mail_sign_up_and_the_admin_page_say_so(settings: Settings) -> None:
    await _set_mode(settings, "open")
    app = create_app(replace(settings, smtp_url=None))
    async with TestClient(TestServer(app)) as client:
        page = await (await client.get("/sign-up")).text()
        assert "This node cannot send email yet" in page
        assert 'name="username"' not in page
        status, _ = await _sign_up(client, "/sign-in")
        assert status == 503
        await sign_in(client, "principal")
        admin_page = await (await client.get("/admin/sign-up")).text()
        assert "Mail is not configured: COMMONROOM_SMTP_URL is not set" in admin_page
        reset_status, reset = await _post_form(
            client, "/password-reset", "/password-reset", email="principal@district.example"
        )
        assert reset_status == 503 and "cannot send email" in reset


async def test_a_mail_failure_keeps_the_account_and_offers_a_resend(settings: Settings) -> None:
    down = MailCatcher()  # not started yet: the node's mail fails
    await _set_mode(settings, "open")
    app = create_app(replace(settings, smtp_url=down.url))
    async with TestClient(TestServer(app)) as client:
        status, page = await _sign_up(client)
        assert status == 201
        assert "we could not send the email to ana@district.example" in page
        assert 'action="/sign-up/resend"' in page
        down.start()
        try:
            status, resent = await _post_form(
                client, "/sign-up/resend", "/sign-up/resend", email="ana@district.example"
            )
            assert status == 200 and "we sent it a new link" in resent
            link = link_in(down.last_to("ana@district.example"), "/verify/")
            assert "Your address is confirmed" in await _confirm(client, link)
        finally:
            down.stop()


async def test_smtp_credentials_from_the_url_are_used(settings: Settings) -> None:
    server = MailCatcher(login=("commonroom", "s3cret pass"))
    server.start()
    try:
        await _set_mode(settings, "open")
        url = server.url.replace("s3cret pass", "s3cret%20pass") + "?from=hello@district.example"
        async with TestClient(TestServer(create_app(replace(settings, smtp_url=url)))) as client:
            assert (await _sign_up(client))[0] == 201
        assert server.logins == ["commonroom"]
        assert "hello@district.example" in str(server.last_to("ana@district.example")["From"])
    finally:
        server.stop()


async def test_resend_mails_a_new_link_to_an_unconfirmed_address(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "open")
    await _sign_up(client)
    first = link_in(mail.last_to("ana@district.example"), "/verify/")
    status, page = await _post_form(
        client, "/sign-up/resend", "/sign-up/resend", email="ana@district.example"
    )
    assert status == 200 and "we sent it a new link" in page
    second = link_in(mail.last_to("ana@district.example"), "/verify/")
    assert second != first
    status, unknown = await _post_form(
        client, "/sign-up/resend", "/sign-up/resend", email="nobody@district.example"
    )
    assert status == 200 and "we sent it a new link" in unknown
    assert len(mail.messages) == 2


async def test_password_reset_mails_a_link_and_does_not_reveal_accounts(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _admin(settings)
    sign_in_page = await (await client.get("/sign-in")).text()
    assert 'href="/password-reset"' in sign_in_page and "Forgot your password?" in sign_in_page
    _, known = await _post_form(
        client, "/password-reset", "/password-reset", email="Principal@District.example"
    )
    _, unknown = await _post_form(
        client, "/password-reset", "/password-reset", email="nobody@district.example"
    )
    answer = "If that address has an account, we sent a link"
    assert answer in known and answer in unknown
    assert len(mail.messages) == 1
    link = link_in(mail.last_to("principal@district.example"), "/set-password/")
    path = urlsplit(link).path
    form = await (await client.get(path)).text()
    assert "Choose a password for @principal" in form
    new_password = "a brand new password"
    done = await client.post(
        path, data={"password": new_password, "confirm": new_password, "_csrf": csrf_token(form)}
    )
    assert _shows_signed_in(await done.text())
    client.session.cookie_jar.clear()
    assert (await sign_in(client, "principal"))[0] == 401
    assert (await sign_in(client, "principal", new_password))[0] == 200


async def test_a_reset_link_confirms_the_address_but_not_an_approval(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _set_mode(settings, "approval")
    await _sign_up(client)
    await _post_form(client, "/password-reset", "/password-reset", email="ana@district.example")
    path = urlsplit(link_in(mail.last_to("ana@district.example"), "/set-password/")).path
    form = await (await client.get(path)).text()
    done = await client.post(
        path, data={"password": PASSWORD, "confirm": PASSWORD, "_csrf": csrf_token(form)}
    )
    assert done.status == 403
    page = await done.text()
    assert "Your account is waiting for approval" in page and not _shows_signed_in(page)


async def test_too_many_sign_up_attempts_from_one_address_get_429(
    client: Client, settings: Settings
) -> None:
    await _set_mode(settings, "open")
    token = csrf_token(await (await client.get("/sign-up")).text())
    bad = {"username": "", "email": "", "password": "", "confirm": "", "_csrf": token}
    statuses = [(await client.post("/sign-up", data=bad)).status for _ in range(30)]
    assert set(statuses) == {422}
    limited = await client.post("/sign-up", data=bad)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many attempts" in await limited.text()


async def test_too_many_reset_requests_from_one_address_get_429(
    client: Client, settings: Settings, mail: MailCatcher
) -> None:
    await _admin(settings)
    token = csrf_token(await (await client.get("/password-reset")).text())
    form = {"email": "principal@district.example", "_csrf": token}
    statuses = [(await client.post("/password-reset", data=form)).status for _ in range(10)]
    assert set(statuses) == {200}
    assert len(mail.messages) == 3  # at most three links per hour to one recipient
    limited = await client.post("/password-reset", data=form)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
