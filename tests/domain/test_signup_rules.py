"""Sign-up rules (node.domain.signup), without a database or a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.domain.errors import ValidationFailed
from node.domain.signup import (
    SIGN_UP_PER_ADDRESS,
    Activation,
    InviteState,
    SignUpForm,
    SignUpMode,
    SignUpPolicy,
    check_sign_up,
    domain_refusal,
    email_domain_allowed,
    invite_problem,
    parse_domain_list,
    retry_after,
    sign_in_refusal,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OPEN = SignUpPolicy(SignUpMode.OPEN, ())


def _form(**changes: str) -> SignUpForm:
    fields = {
        "username": "ana",
        "email": "ana@district.example",
        "password": "correct horse battery",
        "confirm": "correct horse battery",
        "invite_code": "",
    }
    fields.update(changes)
    return SignUpForm(**fields)


def test_a_good_form_has_no_problems() -> None:
    assert check_sign_up(_form(), OPEN) == {}


def test_invite_mode_needs_a_code() -> None:
    policy = SignUpPolicy(SignUpMode.INVITE, ())
    assert set(check_sign_up(_form(), policy)) == {"invite_code"}
    assert check_sign_up(_form(invite_code="abc"), policy) == {}


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("ana@district.example", True),
        ("ana@DISTRICT.EXAMPLE", True),
        ("ana@hs.district.example", True),
        ("ana@notdistrict.example", False),
        ("ana@district.example.evil.example", False),
        ("ana@gmail.example", False),
    ],
)
def test_allow_list_matches_domains_and_subdomains_only(email: str, allowed: bool) -> None:
    assert email_domain_allowed(email, ("district.example",)) is allowed


def test_an_empty_allow_list_allows_any_domain() -> None:
    assert email_domain_allowed("ana@anywhere.example", ())


def test_the_refusal_names_every_allowed_domain() -> None:
    assert domain_refusal(("a.example",)) == "Only addresses at a.example can join this node"
    assert domain_refusal(("a.example", "b.example", "c.example")) == (
        "Only addresses at a.example, b.example or c.example can join this node"
    )
    policy = SignUpPolicy(SignUpMode.OPEN, ("a.example", "b.example"))
    problems = check_sign_up(_form(email="ana@c.example"), policy)
    assert problems == {"email": "Only addresses at a.example or b.example can join this node"}


def test_domain_lists_are_normalised_and_checked() -> None:
    assert parse_domain_list(" @A.Example,\nb.example; a.example ") == ("a.example", "b.example")
    assert parse_domain_list("") == ()
    assert parse_domain_list("bücher.example") == ("xn--bcher-kva.example",)
    with pytest.raises(ValidationFailed, match="localhost is not a domain name"):
        parse_domain_list("localhost")


@pytest.mark.parametrize(
    ("invite", "problem"),
    [
        (None, "does not exist"),
        (InviteState(None, 99, None), None),
        (InviteState(2, 1, NOW + timedelta(hours=1)), None),
        (InviteState(2, 2, None), "used up"),
        (InviteState(None, 0, NOW), "expired"),
    ],
)
def test_invite_problems(invite: InviteState | None, problem: str | None) -> None:
    found = invite_problem(invite, NOW)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_sign_in_refusal_follows_activation() -> None:
    assert sign_in_refusal(Activation("a@b.example", NOW, NOW)) is None
    unverified = sign_in_refusal(Activation("a@b.example", None, None))
    assert unverified is not None and unverified.message == (
        "Check your email to confirm your address"
    )
    waiting = sign_in_refusal(Activation("a@b.example", NOW, None))
    assert waiting is not None and waiting.message == "Your account is waiting for approval"


def test_retry_after_counts_down_from_the_oldest_event() -> None:
    oldest = NOW - timedelta(minutes=50)
    assert retry_after(SIGN_UP_PER_ADDRESS, oldest, NOW) == 600
    assert retry_after(SIGN_UP_PER_ADDRESS, NOW - timedelta(hours=2), NOW) == 1
