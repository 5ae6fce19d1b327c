"""Sign-up: join the node under the admin's rules, confirm the address, wait for approval,
reset a forgotten password; and the admin's side of it (settings, approvals, invites)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from federation.crypto import generate_rsa_keypair
from node.domain.accounts import Account, AccountId, Role
from node.domain.errors import Conflict, DomainError, NotFound, TooManyAttempts
from node.domain.secrets import new_secret, secret_hash
from node.domain.signup import (
    MAIL_PER_RECIPIENT,
    MAIL_REQUESTS_PER_ADDRESS,
    SIGN_UP_PER_ADDRESS,
    VERIFICATION_LINK_LIFETIME,
    RateLimit,
    SignUpForm,
    SignUpMode,
    SignUpPolicy,
    SignUpRefused,
    SignUpUnavailable,
    check_sign_up,
    domain_refusal,
    invite_problem,
    parse_domain_list,
    parse_mode,
    retry_after,
)
from node.infra.mail import Mailer, MailFailed, MailNotConfigured
from node.infra.passwords import hash_password
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext
from node.storage import tokens
from node.storage.accounts import accounts as account_store
from node.storage.accounts import signup as store
from node.storage.accounts.signup import PendingAccount
from node.storage.pool import Conn, Database

log = logging.getLogger(__name__)


class NotAllowed(DomainError):
    """Only an admin may do this."""


@dataclass(frozen=True, slots=True)
class SignUpPage:
    """What the sign-up page tells a visitor before they fill it in."""

    policy: SignUpPolicy
    mail_problem: str | None

    @property
    def available(self) -> bool:
        return self.policy.mode is not SignUpMode.CLOSED and self.mail_problem is None

    @property
    def domain_rule(self) -> str | None:
        """The sentence naming the allowed domains, when the admin limited them."""
        domains = self.policy.email_domains
        return domain_refusal(domains) if domains else None


@dataclass(frozen=True, slots=True)
class SignUpResult:
    account: Account
    email_sent: bool
    needs_approval: bool


@dataclass(frozen=True, slots=True)
class Confirmed:
    username: str
    awaiting_approval: bool


@dataclass(frozen=True, slots=True)
class AdminView:
    policy: SignUpPolicy
    pending: list[PendingAccount]
    mail_problem: str | None
    mail_target: str | None


async def sign_up_page(db: Database, mailer: Mailer) -> SignUpPage:
    async with db.connection() as conn:
        policy = await store.get_policy(conn)
    return SignUpPage(policy, mailer.problem)


async def sign_up(
    ctx: NodeContext, mailer: Mailer, form: SignUpForm, client_addr: str
) -> SignUpResult:
    """Create an unconfirmed account and mail it a confirmation link.

    Every problem with the form is reported at once (SignUpRefused). The invite, when one is
    needed, is used up in the same transaction as the account is created, so a failed
    sign-up never spends an invite and an invite is never used more often than allowed.
    """
    now = datetime.now(UTC)
    await _count_request(ctx.db, SIGN_UP_PER_ADDRESS, f"addr:{client_addr}", now)
    page = await sign_up_page(ctx.db, mailer)
    if not page.available:
        raise SignUpUnavailable(page.mail_problem or "sign-up is closed on this node")
    policy = page.policy
    problems = check_sign_up(form, policy)
    async with ctx.db.connection() as conn:
        for field, problem in (await _availability(conn, form, policy, now)).items():
            problems.setdefault(field, problem)
    if problems:
        raise SignUpRefused(problems)
    password_hash = await hash_password(form.password)
    keys = await asyncio.to_thread(generate_rsa_keypair)
    token = new_secret()
    async with ctx.db.transaction() as conn:
        if policy.needs_invite and not await store.use_invite(conn, form.invite_code, now):
            raise SignUpRefused({"invite_code": "That invite can no longer be used"})
        try:
            account = await account_store.insert_account(
                conn,
                username=form.username,
                email=form.email,
                role=Role.EDUCATOR,
                password_hash=password_hash,
                private_key_pem=keys.private_pem,
                public_key_pem=keys.public_pem,
            )
        except Conflict as taken:  # someone took it between the check and now
            raise SignUpRefused({taken.field: _taken(taken.field, form)}) from None
        await store.mark_signed_up(conn, account.id, needs_approval=policy.needs_approval)
        expires_at = now + VERIFICATION_LINK_LIFETIME
        await tokens.insert_token(
            conn, tokens.CONFIRM_EMAIL, account.id, secret_hash(token), expires_at
        )
    sent = await _send_confirmation(ctx, mailer, account.email, account.username, token)
    return SignUpResult(account, sent, policy.needs_approval)


async def _availability(
    conn: Conn, form: SignUpForm, policy: SignUpPolicy, now: datetime
) -> dict[str, str]:
    """Problems only the database knows: taken names and addresses, unusable invites."""
    taken = await store.taken_fields(conn, form.username, form.email)
    problems = {field: _taken(field, form) for field in taken}
    if policy.needs_invite and form.invite_code:
        problem = invite_problem(await store.get_invite_state(conn, form.invite_code), now)
        if problem:
            problems["invite_code"] = problem
    return problems


def _taken(field: str, form: SignUpForm) -> str:
    if field == "username":
        return f"The username {form.username} is taken; choose another"
    return "An account with this address already exists; sign in or reset your password"


async def confirmation_account(db: Database, token: str) -> Account:
    """The account a confirmation link is for, without using the link (NotFound if dead)."""
    return await accounts.account_of_link(db, tokens.CONFIRM_EMAIL, token)


async def confirm_email(db: Database, token: str) -> Confirmed:
    """Use a confirmation link: the address is confirmed, the link dies."""
    async with db.transaction() as conn:
        account_id = await tokens.take_token(
            conn, tokens.CONFIRM_EMAIL, secret_hash(token), datetime.now(UTC)
        )
        if account_id is None:
            raise NotFound("This link has expired or was already used")
        await store.mark_email_verified(conn, account_id)
        account = await account_store.get_account(conn, account_id)
        activation = await store.get_activation(conn, account_id)
    assert account is not None
    assert activation is not None
    return Confirmed(account.username, activation.approved_at is None)


async def resend_confirmation(
    ctx: NodeContext, mailer: Mailer, email: str, client_addr: str
) -> bool:
    """Mail a new link if `email` belongs to an unconfirmed account.

    Returns False only when such an account exists and the mail could not be sent, so the
    page can say so; otherwise the answer does not tell whether the address has an account.
    """
    now = datetime.now(UTC)
    await _count_request(ctx.db, MAIL_REQUESTS_PER_ADDRESS, f"addr:{client_addr}", now)
    if not mailer.configured:
        raise SignUpUnavailable(mailer.problem or "mail is not configured")
    token = new_secret()
    async with ctx.db.transaction() as conn:
        account_id = await store.account_id_by_email(conn, email.strip())
        activation = await store.get_activation(conn, account_id) if account_id else None
        if account_id is None or activation is None or activation.email_verified_at:
            return True
        if not await _under_limit(conn, MAIL_PER_RECIPIENT, f"to:{email.lower()}", now):
            return True
        expires_at = now + VERIFICATION_LINK_LIFETIME
        await tokens.insert_token(
            conn, tokens.CONFIRM_EMAIL, account_id, secret_hash(token), expires_at
        )
        account = await account_store.get_account(conn, account_id)
    assert account is not None
    return await _send_confirmation(ctx, mailer, account.email, account.username, token)


async def request_password_reset(
    ctx: NodeContext, mailer: Mailer, email: str, client_addr: str
) -> None:
    """Mail a one-time link to /set-password if `email` has an account.

    The caller always answers the same way, so the form does not reveal who has an account;
    a failure to send is logged for the admin instead of shown.
    """
    now = datetime.now(UTC)
    await _count_request(ctx.db, MAIL_REQUESTS_PER_ADDRESS, f"addr:{client_addr}", now)
    if not mailer.configured:
        raise SignUpUnavailable(mailer.problem or "mail is not configured")
    async with ctx.db.transaction() as conn:
        account_id = await store.account_id_by_email(conn, email.strip())
        if account_id is None:
            return
        if not await _under_limit(conn, MAIL_PER_RECIPIENT, f"to:{email.lower()}", now):
            return
    link = await accounts.issue_password_link(ctx.db, account_id)
    context = {
        "username": link.account.username,
        "host": ctx.urls.host,
        "link": f"{ctx.urls.base}/set-password/{link.token}",
        "days": int(accounts.PASSWORD_LINK_LIFETIME / timedelta(days=1)),
    }
    # Logged by the mailer; the page must not reveal that this address has an account.
    with contextlib.suppress(MailFailed):
        await mailer.send_template(link.account.email, "password_reset.txt", context)


async def admin_view(db: Database, mailer: Mailer, admin: Account) -> AdminView:
    _require_admin(admin)
    async with db.connection() as conn:
        policy = await store.get_policy(conn)
        pending = await store.pending_approvals(conn)
    target = mailer.target.describe() if mailer.target else None
    return AdminView(policy, pending, mailer.problem, target)


async def update_policy(db: Database, admin: Account, mode: str, domains: str) -> SignUpPolicy:
    """Save the sign-up mode and email-domain allow-list (ValidationFailed names the field)."""
    _require_admin(admin)
    policy = SignUpPolicy(parse_mode(mode), parse_domain_list(domains))
    async with db.transaction() as conn:
        await store.save_policy(conn, policy, admin.id)
    log.info("sign-up settings changed", extra={"mode": policy.mode.value, "by": admin.id})
    return policy


async def decide(
    ctx: NodeContext, mailer: Mailer, admin: Account, account_id: AccountId, *, approve: bool
) -> PendingAccount:
    """Approve a waiting account, or reject it (which deletes it), and tell the person."""
    _require_admin(admin)
    async with ctx.db.transaction() as conn:
        if approve:
            decided = await store.approve(conn, account_id)
        else:
            decided = await store.delete_pending(conn, account_id)
    if decided is None:
        raise NotFound("That account is not waiting for approval")
    log.info("sign-up %s", "approved" if approve else "rejected", extra={"by": admin.id})
    template = "approved.txt" if approve else "rejected.txt"
    context = {"username": decided.username, "host": ctx.urls.host, "link": ctx.urls.base}
    try:
        await mailer.send_template(decided.email, template, context)
    except (MailFailed, MailNotConfigured) as error:
        # The decision stands either way; the admin page already warns when mail is off.
        log.warning("could not tell @%s about the decision: %s", decided.username, error)
    return decided


def _require_admin(account: Account) -> None:
    if account.role is not Role.ADMIN:
        raise NotAllowed("only an admin can change how people join this node")


async def _send_confirmation(
    ctx: NodeContext, mailer: Mailer, email: str, username: str, token: str
) -> bool:
    """True when the server took the message; a failure is logged and the person told."""
    context = {
        "username": username,
        "host": ctx.urls.host,
        "link": f"{ctx.urls.base}/verify/{token}",
        "days": VERIFICATION_LINK_LIFETIME.days,
    }
    try:
        await mailer.send_template(email, "verify_email.txt", context)
    except MailFailed:
        return False
    return True


async def _count_request(db: Database, limit: RateLimit, subject: str, now: datetime) -> None:
    """Count one request against `limit`, or raise TooManyAttempts when it is used up."""
    async with db.transaction() as conn:
        if not await _under_limit(conn, limit, subject, now):
            since = now - limit.window
            oldest = await store.oldest_event_since(conn, limit, subject, since)
            raise TooManyAttempts(retry_after(limit, oldest, now))


async def _under_limit(conn: Conn, limit: RateLimit, subject: str, now: datetime) -> bool:
    """Record one event and say whether it fits in the limit (call inside a transaction)."""
    since = now - limit.window
    if await store.count_events(conn, limit, subject, since) >= limit.max_events:
        return False
    await store.record_event(conn, limit, subject, now, since)
    return True


async def sign_up_policy(db: Database) -> SignUpPolicy:
    """Who may join, for places that describe the node (the client API's instance endpoints)."""
    async with db.connection() as conn:
        return await store.get_policy(conn)
