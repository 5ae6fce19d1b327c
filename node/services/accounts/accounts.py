"""Accounts: create people, sign them in, and let them set a password from a one-time link."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from federation.crypto import generate_rsa_keypair
from node.domain import sign_in as throttle
from node.domain import signup as activation_rules
from node.domain.accounts import (
    Account,
    AccountId,
    Role,
    validate_email,
    validate_password,
    validate_username,
)
from node.domain.errors import NotFound, TooManyAttempts, ValidationFailed
from node.domain.secrets import new_secret, secret_hash
from node.infra.passwords import hash_password, verify_password
from node.storage import tokens
from node.storage.accounts import accounts as store
from node.storage.accounts import sign_in as failures
from node.storage.accounts import signup as activation_store
from node.storage.accounts import web_sessions
from node.storage.pool import Database

PASSWORD_LINK_LIFETIME = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class PasswordLink:
    account: Account
    token: str


async def create_account(
    db: Database,
    username: str,
    email: str,
    *,
    role: Role = Role.EDUCATOR,
    password: str | None = None,
) -> Account:
    """Create a local person with an RSA-2048 key pair for federation."""
    validate_username(username)
    email = validate_email(email)
    password_hash = await hash_password(validate_password(password)) if password else None
    keys = await asyncio.to_thread(generate_rsa_keypair)
    async with db.transaction() as conn:
        return await store.insert_account(
            conn,
            username=username,
            email=email,
            role=role,
            password_hash=password_hash,
            private_key_pem=keys.private_pem,
            public_key_pem=keys.public_pem,
        )


async def get_account(db: Database, account_id: AccountId) -> Account | None:
    async with db.connection() as conn:
        return await store.get_account(conn, account_id)


async def get_account_by_username(db: Database, username: str) -> Account:
    async with db.connection() as conn:
        account = await store.get_account_by_username(conn, username)
    if account is None:
        raise NotFound(f"no account @{username}")
    return account


async def authenticate(db: Database, username: str, password: str, client_addr: str) -> Account:
    """Check a password, counting failures per account and per address (429 after too many)."""
    now = datetime.now(UTC)
    since = now - throttle.FAILURE_WINDOW
    async with db.connection() as conn:
        counts = await failures.count_failures(conn, username, client_addr, since)
        if throttle.is_throttled(counts):
            oldest = await failures.oldest_failure_since(conn, username, client_addr, since)
            wait = (oldest + throttle.FAILURE_WINDOW - now) if oldest else throttle.FAILURE_WINDOW
            raise TooManyAttempts(max(1, int(wait.total_seconds())))
        account = await store.get_account_by_username(conn, username)
        password_hash = await store.get_password_hash(conn, account.id) if account else None
    if account is not None and await verify_password(password_hash, password):
        async with db.connection() as conn:
            await failures.clear_failures(conn, username)
        # Only after the right password, so the refusal tells a guesser nothing.
        await ensure_may_sign_in(db, account.id)
        return account
    async with db.connection() as conn:
        await failures.record_failure(conn, username, client_addr)
    raise ValidationFailed("password", "that username and password do not match")


async def ensure_may_sign_in(db: Database, account_id: AccountId) -> None:
    """Raise AccountNotActive while the address is unconfirmed or an admin has not approved."""
    async with db.connection() as conn:
        activation = await activation_store.get_activation(conn, account_id)
    refusal = activation_rules.sign_in_refusal(activation) if activation else None
    if refusal is not None:
        raise refusal


async def issue_password_link(db: Database, account_id: AccountId) -> PasswordLink:
    """A one-time token to set a password; only its hash is stored."""
    token = new_secret()
    expires_at = datetime.now(UTC) + PASSWORD_LINK_LIFETIME
    async with db.transaction() as conn:
        account = await store.get_account(conn, account_id)
        if account is None:
            raise NotFound("no such account")
        await tokens.insert_token(
            conn, tokens.SET_PASSWORD, account_id, secret_hash(token), expires_at
        )
    return PasswordLink(account=account, token=token)


async def account_for_password_token(db: Database, token: str) -> Account:
    return await account_of_link(db, tokens.SET_PASSWORD, token)


async def account_of_link(db: Database, table: tokens.TokenTable, token: str) -> Account:
    """The account a one-time link is for, without using the link (NotFound if dead)."""
    async with db.connection() as conn:
        account_id = await tokens.peek_token(conn, table, secret_hash(token), datetime.now(UTC))
        account = await store.get_account(conn, account_id) if account_id else None
    if account is None:
        raise NotFound("This link has expired or was already used")
    return account


async def set_password_with_token(db: Database, token: str, password: str) -> Account:
    password_hash = await hash_password(validate_password(password))
    async with db.transaction() as conn:
        account_id = await tokens.take_token(
            conn, tokens.SET_PASSWORD, secret_hash(token), datetime.now(UTC)
        )
        if account_id is None:
            raise NotFound("this link has expired or was already used")
        await store.set_password_hash(conn, account_id, password_hash)
        # Whoever asked for the link may have lost control of a signed-in browser: end them all.
        await web_sessions.delete_sessions_of(conn, account_id)
        # The link was mailed to the account's address, so following it confirms the address.
        await activation_store.mark_email_verified(conn, account_id)
        account = await store.get_account(conn, account_id)
    assert account is not None
    return account


async def change_password(
    db: Database,
    account: Account,
    current: str,
    new: str,
    *,
    keep_session: str | None,
    client_addr: str,
) -> None:
    """Change a password knowing the current one (checked and throttled as at sign-in); every
    other signed-in browser of the account is signed out, the one making the change is kept."""
    try:
        await authenticate(db, account.username, current, client_addr)
    except ValidationFailed:
        raise ValidationFailed("current_password", "that is not your current password") from None
    password_hash = await hash_password(validate_password(new))
    keep = secret_hash(keep_session) if keep_session else None
    async with db.transaction() as conn:
        await store.set_password_hash(conn, account.id, password_hash)
        await web_sessions.delete_sessions_of(conn, account.id, keep)


async def ensure_first_admin(db: Database, host: str) -> PasswordLink | None:
    """On a node with no admin, create `admin` and return a link to set its password.

    Also returns a fresh link while the first admin has not chosen a password yet, so an
    operator who lost the first link gets another by restarting the node.
    """
    async with db.connection() as conn:
        admin = await store.first_admin(conn)
    if admin is None:
        domain = host.split(":")[0]
        email = f"admin@{domain}" if "." in domain else f"admin@{domain}.invalid"
        admin = await create_account(db, "admin", email, role=Role.ADMIN)
    if admin.has_password:
        return None
    return await issue_password_link(db, admin.id)


async def username_for_login(db: Database, login: str) -> str:
    """The username to sign in as, from a username or an email address (API clients such as
    toot send the email). Anything else comes back unchanged, so `authenticate` still counts
    the failure against it."""
    login = login.strip().lstrip("@")
    if "@" not in login:
        return login
    async with db.connection() as conn:
        account_id = await activation_store.account_id_by_email(conn, login)
        account = await store.get_account(conn, account_id) if account_id is not None else None
    return account.username if account is not None else login


async def count_accounts(db: Database) -> int:
    async with db.connection() as conn:
        return await store.count_accounts(conn)
