"""Sign-up rules: modes, the email-domain allow-list, form checks, activation and rate limits."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from node.domain.accounts import (
    EMAIL_PATTERN,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
)
from node.domain.errors import DomainError, ValidationFailed

VERIFICATION_LINK_LIFETIME = timedelta(days=2)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
MAX_ALLOWED_DOMAINS = 100
# Names people would read as the node speaking (Mastodon reserves the same kind of list).
RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "root", "support", "help", "moderator", "mod", "staff",
     "security", "postmaster", "webmaster", "abuse", "noreply", "no_reply", "commonroom"}
)  # fmt: skip


class SignUpMode(enum.StrEnum):
    CLOSED = "closed"
    INVITE = "invite"
    APPROVAL = "approval"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class SignUpPolicy:
    """What the admin chose: who may join, and from which email domains (empty: any)."""

    mode: SignUpMode
    email_domains: tuple[str, ...]

    @property
    def needs_invite(self) -> bool:
        return self.mode is SignUpMode.INVITE

    @property
    def needs_approval(self) -> bool:
        return self.mode is SignUpMode.APPROVAL


@dataclass(frozen=True, slots=True)
class SignUpForm:
    username: str
    email: str
    password: str
    confirm: str
    invite_code: str


class SignUpRefused(DomainError):
    """The form cannot be accepted; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {text}" for field, text in problems.items()))
        self.problems = problems


class SignUpUnavailable(DomainError):
    """No one can sign up right now (closed, or the node cannot send mail)."""


Inactive = Literal["unverified", "awaiting_approval"]
_INACTIVE_MESSAGES: dict[Inactive, str] = {
    "unverified": "Check your email to confirm your address",
    "awaiting_approval": "Your account is waiting for approval",
}


class AccountNotActive(ValidationFailed):
    """The password was right, but the account may not sign in yet.

    A ValidationFailed, so an edge that only knows sign-in failures still refuses and shows
    the message.
    """

    def __init__(self, reason: Inactive, email: str) -> None:
        super().__init__("account", _INACTIVE_MESSAGES[reason])
        self.reason: Inactive = reason
        self.email = email


@dataclass(frozen=True, slots=True)
class Activation:
    """How far an account has come through sign-up."""

    email: str
    email_verified_at: datetime | None
    approved_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.email_verified_at is not None and self.approved_at is not None


def sign_in_refusal(activation: Activation) -> AccountNotActive | None:
    """Why this account may not sign in yet, or None when it may."""
    if activation.email_verified_at is None:
        return AccountNotActive("unverified", activation.email)
    if activation.approved_at is None:
        return AccountNotActive("awaiting_approval", activation.email)
    return None


def parse_mode(value: str) -> SignUpMode:
    try:
        return SignUpMode(value)
    except ValueError:
        raise ValidationFailed("mode", "choose one of the sign-up modes") from None


def normalise_domain(domain: str) -> str:
    """Lower-case ASCII (IDNA) form, so Unicode and punycode spellings compare equal."""
    domain = domain.strip().lstrip("@").rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def parse_domain_list(text: str) -> tuple[str, ...]:
    """Domains separated by commas, spaces or new lines; each checked, duplicates dropped."""
    found: list[str] = []
    for entry in re.split(r"[\s,;]+", text):
        if not entry.strip():
            continue
        domain = normalise_domain(entry)
        if not _DOMAIN.match(domain):
            raise ValidationFailed(
                "domains", f"{entry.strip()} is not a domain name (like district.example)"
            )
        if domain not in found:
            found.append(domain)
    if len(found) > MAX_ALLOWED_DOMAINS:
        raise ValidationFailed("domains", f"list at most {MAX_ALLOWED_DOMAINS} domains")
    return tuple(found)


def email_domain_allowed(email: str, domains: tuple[str, ...]) -> bool:
    """True when the list is empty, or the address is at a listed domain or a subdomain of one.

    Subdomains count because a district controls them too (hs.district.example).
    """
    if not domains:
        return True
    domain = normalise_domain(email.rpartition("@")[2])
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


def describe_domains(domains: tuple[str, ...]) -> str:
    """ "a.example", "a.example or b.example", "a.example, b.example or c.example"."""
    if len(domains) <= 1:
        return "".join(domains)
    return ", ".join(domains[:-1]) + " or " + domains[-1]


def domain_refusal(domains: tuple[str, ...]) -> str:
    return f"Only addresses at {describe_domains(domains)} can join this node"


def check_sign_up(form: SignUpForm, policy: SignUpPolicy) -> dict[str, str]:
    """Every problem with the form at once, by field, in words a visitor can act on."""
    problems: dict[str, str] = {}
    if not USERNAME_PATTERN.match(form.username):
        problems["username"] = (
            "Choose a username of 1 to 30 letters, digits or underscores (no spaces or dots)"
            if form.username
            else "Choose a username"
        )
    elif form.username.lower() in RESERVED_USERNAMES:
        problems["username"] = f"The username {form.username} is reserved; choose another"
    if not form.email:
        problems["email"] = "Enter your email address"
    elif len(form.email) > 254 or not EMAIL_PATTERN.match(form.email):
        problems["email"] = f"{form.email} is not an email address"
    elif not email_domain_allowed(form.email, policy.email_domains):
        problems["email"] = domain_refusal(policy.email_domains)
    if len(form.password) < MIN_PASSWORD_LENGTH:
        problems["password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters"
    elif len(form.password) > MAX_PASSWORD_LENGTH:
        problems["password"] = f"Use at most {MAX_PASSWORD_LENGTH} characters"
    elif form.password != form.confirm:
        problems["confirm"] = "The two passwords differ"
    if policy.needs_invite and not form.invite_code:
        problems["invite_code"] = "Enter the invite code from your invitation"
    return problems


@dataclass(frozen=True, slots=True)
class InviteState:
    max_uses: int | None
    uses: int
    expires_at: datetime | None


def invite_problem(invite: InviteState | None, now: datetime) -> str | None:
    """Why an invite cannot be used now, or None when it can."""
    if invite is None:
        return "That invite code does not exist; check the link you were sent"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "That invite has expired; ask for a new one"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "That invite has been used up; ask for a new one"
    return None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `max_events` of `action` per subject within `window`."""

    action: str
    max_events: int
    window: timedelta


# A whole class or staff room may sign up at once from one school address (NAT), so the
# per-address limits leave room for that while stopping scripted floods.
SIGN_UP_PER_ADDRESS = RateLimit("sign_up", 30, timedelta(hours=1))
MAIL_REQUESTS_PER_ADDRESS = RateLimit("mail_request", 10, timedelta(hours=1))
# Mail to one recipient, so no one can flood someone else's inbox with our links.
MAIL_PER_RECIPIENT = RateLimit("mail_to", 3, timedelta(hours=1))


def retry_after(limit: RateLimit, oldest: datetime | None, now: datetime) -> int:
    """Seconds until the oldest counted event leaves the window (at least 1)."""
    if oldest is None:
        return int(limit.window.total_seconds())
    return max(1, int((oldest + limit.window - now).total_seconds()))
