"""Sign-up against the real database: settings, invite use under concurrency, confirmation
links, activation, and rate limits shared by every process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from node.domain.accounts import Account, Role
from node.domain.errors import NotFound, TooManyAttempts
from node.domain.signup import (
    MAIL_REQUESTS_PER_ADDRESS,
    AccountNotActive,
    SignUpForm,
    SignUpMode,
    SignUpPolicy,
    SignUpRefused,
)
from node.domain.urls import Urls
from node.infra.mail import Mailer, parse_smtp_url
from node.services.accounts import accounts, invites, signup
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.storage.accounts import signup as store
from tests.support.people import PASSWORD
from tests.support.smtp import MailCatcher, link_in

BASE = "http://school.example"


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
def mailer(mail: MailCatcher) -> Mailer:
    return Mailer(parse_smtp_url(mail.url, "school.example"))


@pytest.fixture
def ctx(db: Database) -> NodeContext:
    # The HTTP client is never opened: sign-up does not federate.
    return NodeContext(db=db, urls=Urls(BASE), http=federation_client(BASE, loopback=True))


async def _admin(db: Database) -> Account:
    return await accounts.create_account(
        db, "principal", "principal@school.example", role=Role.ADMIN, password=PASSWORD
    )


def _form(name: str, invite: str = "") -> SignUpForm:
    return SignUpForm(name, f"{name}@school.example", PASSWORD, PASSWORD, invite)


async def test_a_fresh_node_is_closed_to_sign_up(db: Database) -> None:
    async with db.connection() as conn:
        assert await store.get_policy(conn) == SignUpPolicy(SignUpMode.CLOSED, ())


async def test_the_policy_is_saved_with_normalised_domains(db: Database) -> None:
    admin = await _admin(db)
    saved = await signup.update_policy(db, admin, "invite", "@School.Example, b.example b.example")
    assert saved == SignUpPolicy(SignUpMode.INVITE, ("school.example", "b.example"))
    async with db.connection() as conn:
        assert await store.get_policy(conn) == saved


async def test_only_an_admin_may_change_the_policy(db: Database) -> None:
    teacher = await accounts.create_account(db, "teacher", "t@school.example")
    with pytest.raises(signup.NotAllowed):
        await signup.update_policy(db, teacher, "open", "")


async def test_two_sign_ups_racing_for_the_last_use_of_an_invite_get_one_account(
    db: Database, ctx: NodeContext, mailer: Mailer
) -> None:
    await signup.update_policy(db, await _admin(db), "invite", "")
    invite = await invites.create_invite(db, max_uses=1)
    results = await asyncio.gather(
        signup.sign_up(ctx, mailer, _form("ana", invite.code), "192.0.2.1"),
        signup.sign_up(ctx, mailer, _form("ben", invite.code), "192.0.2.2"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, SignUpRefused)]
    created = [r for r in results if isinstance(r, signup.SignUpResult)]
    assert len(created) == 1 and len(refused) == 1
    assert "invite_code" in refused[0].problems
    async with db.connection() as conn:
        state = await store.get_invite_state(conn, invite.code)
        assert state is not None and state.uses == 1
        loser = "ben" if created[0].account.username == "ana" else "ana"
        assert not await store.taken_fields(conn, loser, f"{loser}@school.example")


async def test_use_invite_respects_expiry_and_uses(db: Database) -> None:
    now = datetime.now(UTC)
    limited = await invites.create_invite(db, max_uses=1)
    expiring = await invites.create_invite(db, expires_in_days=1)
    async with db.transaction() as conn:
        assert await store.use_invite(conn, limited.code, now)
        assert not await store.use_invite(conn, limited.code, now)
        assert await store.use_invite(conn, expiring.code, now)
        assert not await store.use_invite(conn, expiring.code, now + timedelta(days=2))
        assert not await store.use_invite(conn, "no-such-code", now)


async def test_a_confirmation_link_works_once_and_activates_the_account(
    db: Database, ctx: NodeContext, mailer: Mailer, mail: MailCatcher
) -> None:
    await signup.update_policy(db, await _admin(db), "open", "")
    result = await signup.sign_up(ctx, mailer, _form("ana"), "192.0.2.1")
    assert result.email_sent and not result.needs_approval
    with pytest.raises(AccountNotActive) as refused:
        await accounts.authenticate(db, "ana", PASSWORD, "192.0.2.1")
    assert refused.value.reason == "unverified"
    token = link_in(mail.last_to("ana@school.example"), "/verify/").rsplit("/", 1)[1]
    assert (await signup.confirmation_account(db, token)).username == "ana"
    confirmed = await signup.confirm_email(db, token)
    assert confirmed == signup.Confirmed("ana", awaiting_approval=False)
    with pytest.raises(NotFound):
        await signup.confirm_email(db, token)
    assert (await accounts.authenticate(db, "ana", PASSWORD, "192.0.2.1")).username == "ana"


async def test_an_expired_confirmation_link_is_refused(
    db: Database, ctx: NodeContext, mailer: Mailer, mail: MailCatcher
) -> None:
    await signup.update_policy(db, await _admin(db), "open", "")
    await signup.sign_up(ctx, mailer, _form("ana"), "192.0.2.1")
    token = link_in(mail.last_to("ana@school.example"), "/verify/").rsplit("/", 1)[1]
    async with db.connection() as conn:
        await conn.execute("UPDATE email_verification_tokens SET expires_at = now()")
    with pytest.raises(NotFound):
        await signup.confirmation_account(db, token)
    with pytest.raises(NotFound):
        await signup.confirm_email(db, token)


async def test_accounts_made_by_the_operator_are_active_at_once(db: Database) -> None:
    made = await accounts.create_account(db, "ben", "ben@school.example", password=PASSWORD)
    async with db.connection() as conn:
        activation = await store.get_activation(conn, made.id)
    assert activation is not None and activation.is_active


async def test_approval_lists_only_confirmed_accounts_and_approves_once(
    db: Database, ctx: NodeContext, mailer: Mailer, mail: MailCatcher
) -> None:
    admin = await _admin(db)
    await signup.update_policy(db, admin, "approval", "")
    ana = (await signup.sign_up(ctx, mailer, _form("ana"), "192.0.2.1")).account
    await signup.sign_up(ctx, mailer, _form("ben"), "192.0.2.1")
    assert (await signup.admin_view(db, mailer, admin)).pending == []
    token = link_in(mail.last_to("ana@school.example"), "/verify/").rsplit("/", 1)[1]
    assert (await signup.confirm_email(db, token)).awaiting_approval
    with pytest.raises(AccountNotActive) as waiting:
        await accounts.authenticate(db, "ana", PASSWORD, "192.0.2.1")
    assert waiting.value.reason == "awaiting_approval"
    view = await signup.admin_view(db, mailer, admin)
    assert [p.username for p in view.pending] == ["ana"]
    await signup.decide(ctx, mailer, admin, ana.id, approve=True)
    with pytest.raises(NotFound):
        await signup.decide(ctx, mailer, admin, ana.id, approve=False)
    assert (await accounts.authenticate(db, "ana", PASSWORD, "192.0.2.1")).id == ana.id


async def test_rate_limits_hold_across_concurrent_requests(
    db: Database, ctx: NodeContext, mailer: Mailer
) -> None:
    attempts = MAIL_REQUESTS_PER_ADDRESS.max_events + 5
    results = await asyncio.gather(
        *(
            signup.request_password_reset(ctx, mailer, f"n{n}@school.example", "203.0.113.7")
            for n in range(attempts)
        ),
        return_exceptions=True,
    )
    limited = [r for r in results if isinstance(r, TooManyAttempts)]
    assert len(limited) == 5
    assert all(0 < error.retry_after <= 3600 for error in limited)
    # Another address is not affected.
    await signup.request_password_reset(ctx, mailer, "x@school.example", "203.0.113.8")
