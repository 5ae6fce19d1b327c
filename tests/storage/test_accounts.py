"""Accounts: creation rules, keys, passwords, one-time links and sign-in throttling."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from node.domain.accounts import Role
from node.domain.errors import Conflict, NotFound, TooManyAttempts, ValidationFailed
from node.domain.sign_in import MAX_FAILURES_PER_ACCOUNT
from node.services.accounts import accounts
from node.services.kernel.db import Database
from tests.support.people import PASSWORD


async def test_new_account_has_an_rsa_2048_key_and_a_role(db: Database) -> None:
    account = await accounts.create_account(
        db, "Ana_Lopez", "ana@district.example", role=Role.MODERATOR, password=PASSWORD
    )
    key = load_pem_public_key(account.public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 2048
    assert account.role is Role.MODERATOR
    assert account.has_password


async def test_usernames_are_unique_regardless_of_case(db: Database) -> None:
    await accounts.create_account(db, "ana", "ana@district.example")
    with pytest.raises(Conflict) as taken:
        await accounts.create_account(db, "ANA", "other@district.example")
    assert taken.value.field == "username"
    found = await accounts.get_account_by_username(db, "aNa")
    assert found.username == "ana"


async def test_emails_are_unique_regardless_of_case(db: Database) -> None:
    await accounts.create_account(db, "ana", "Ana@District.example")
    with pytest.raises(Conflict) as taken:
        await accounts.create_account(db, "ana2", "ana@district.EXAMPLE")
    assert taken.value.field == "email"


@pytest.mark.parametrize(
    ("username", "email", "password", "field"),
    [
        ("has space", "a@b.example", None, "username"),
        ("dot.ted", "a@b.example", None, "username"),
        ("x" * 31, "a@b.example", None, "username"),
        ("fine", "not-an-email", None, "email"),
        ("fine", "a@b.example", "short", "password"),
    ],
)
async def test_invalid_account_details_are_refused_with_the_field_named(
    db: Database, username: str, email: str, password: str | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await accounts.create_account(db, username, email, password=password)
    assert refused.value.field == field


async def test_authenticate_accepts_the_right_password_only(db: Database) -> None:
    await accounts.create_account(db, "ben", "ben@district.example", password=PASSWORD)
    assert (await accounts.authenticate(db, "BEN", PASSWORD, "192.0.2.1")).username == "ben"
    with pytest.raises(ValidationFailed):
        await accounts.authenticate(db, "ben", "wrong password!", "192.0.2.1")
    with pytest.raises(ValidationFailed):
        await accounts.authenticate(db, "nobody", PASSWORD, "192.0.2.1")


async def test_repeated_failures_for_one_account_are_throttled(db: Database) -> None:
    await accounts.create_account(db, "cara", "cara@district.example", password=PASSWORD)
    for attempt in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ValidationFailed):
            await accounts.authenticate(db, "cara", f"guess {attempt}", f"198.51.100.{attempt}")
    # Even the right password is refused while the account is throttled, from any address.
    with pytest.raises(TooManyAttempts) as throttled:
        await accounts.authenticate(db, "cara", PASSWORD, "203.0.113.9")
    assert 0 < throttled.value.retry_after <= 15 * 60


async def test_one_address_guessing_many_accounts_is_throttled(db: Database) -> None:
    for attempt in range(30):
        with pytest.raises(ValidationFailed):
            await accounts.authenticate(db, f"user{attempt}", "guess", "203.0.113.50")
    with pytest.raises(TooManyAttempts):
        await accounts.authenticate(db, "someone_else", "guess", "203.0.113.50")


async def test_password_link_works_once(db: Database) -> None:
    account = await accounts.create_account(db, "dev", "dev@district.example")
    assert not account.has_password
    link = await accounts.issue_password_link(db, account.id)
    assert (await accounts.account_for_password_token(db, link.token)).id == account.id
    updated = await accounts.set_password_with_token(db, link.token, PASSWORD)
    assert updated.has_password
    assert (await accounts.authenticate(db, "dev", PASSWORD, "192.0.2.2")).id == account.id
    with pytest.raises(NotFound):
        await accounts.set_password_with_token(db, link.token, "another password!")


async def test_first_admin_is_created_once_with_a_link_until_it_has_a_password(
    db: Database,
) -> None:
    first = await accounts.ensure_first_admin(db, "school.example")
    assert first is not None
    assert first.account.role is Role.ADMIN
    again = await accounts.ensure_first_admin(db, "school.example")
    assert again is not None and again.account.id == first.account.id
    await accounts.set_password_with_token(db, again.token, PASSWORD)
    assert await accounts.ensure_first_admin(db, "school.example") is None
