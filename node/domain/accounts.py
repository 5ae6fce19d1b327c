"""Accounts: roles, what a valid username and email look like."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from node.domain.errors import ValidationFailed

AccountId = NewType("AccountId", int)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    EDUCATOR = "educator"
    STUDENT = "student"


@dataclass(frozen=True, slots=True)
class Account:
    id: AccountId
    username: str
    email: str
    role: Role
    display_name: str
    bio: str
    public_key_pem: str
    created_at: datetime
    has_password: bool
    # A group (FEP-1b12) is an account too: an actor that never signs in (node.domain.groups).
    is_group: bool = False

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(
            "username", "use 1 to 30 letters, digits or underscores (no spaces or dots)"
        )
    return username


def validate_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise ValidationFailed("email", f"{email!r} is not an email address")
    return email


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("password", f"use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("password", "that password is too long")
    return password


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise ValidationFailed("role", f"{value!r} is not a role ({choices})") from None
