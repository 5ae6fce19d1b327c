"""Profiles: what a person may say about themselves, and how their plain text becomes HTML.

Display name, bio and profile fields are typed as plain text and kept that way; HTML is made
only when a profile is shown or federated (an actor's `summary` and a `PropertyValue`'s `value`
are HTML, interop brief §3.1). Everything typed is escaped; the only markup added is a link
around each absolute http(s) URL, as Mastodon links URLs in bios and field values.
Limits follow Mastodon (4 fields of 255 characters) where it has one; the display name and bio
are shorter (60 and 500), which is what a school's profile needs. No I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Final, Literal

from linkify_it import LinkifyIt

from node.domain.accounts import AccountId
from node.domain.errors import DomainError

MAX_DISPLAY_NAME: Final = 60
MAX_BIO: Final = 500
MAX_FIELDS: Final = 4
MAX_FIELD_NAME: Final = 255
MAX_FIELD_VALUE: Final = 255
# Placeholders for the empty field rows: what educators most often put on a profile.
FIELD_SUGGESTIONS: Final = (("School", ""), ("Subjects", ""), ("Grade levels", ""), ("", ""))
LINK_REL: Final = "nofollow noopener noreferrer"

ImageSlot = Literal["avatar", "header"]
IMAGE_SLOTS: Final[tuple[ImageSlot, ...]] = ("avatar", "header")

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# Only URLs with a scheme become links: fuzzy matching would link "Grade 5.Science".
_LINKIFY = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
_LINK_SCHEMAS = frozenset({"http:", "https:"})


@dataclass(frozen=True, slots=True)
class ProfileField:
    """One name/value pair as typed (plain text)."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ProfileImage:
    """An avatar or header: a file in the media store, its type and its alt text."""

    key: str
    content_type: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything about a local account's profile except its display name and bio (on Account)."""

    account_id: AccountId
    locked: bool = False
    discoverable: bool = False
    indexable: bool = False
    fields: tuple[ProfileField, ...] = ()
    avatar: ProfileImage | None = None
    header: ProfileImage | None = None

    def image(self, slot: ImageSlot) -> ProfileImage | None:
        return self.avatar if slot == "avatar" else self.header


@dataclass(frozen=True, slots=True)
class ProfileEdit:
    """What the settings form submits. `fields` may hold blank rows; `clean_edit` drops them."""

    display_name: str
    bio: str
    fields: tuple[ProfileField, ...] = ()
    locked: bool = False
    discoverable: bool = False
    indexable: bool = False


class ProfileRefused(DomainError):
    """The edit cannot be saved; `problems` maps each form field's id to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {text}" for field, text in problems.items()))
        self.problems = problems


def clean_edit(edit: ProfileEdit) -> ProfileEdit:
    """The edit trimmed, blank field rows dropped; ProfileRefused names every problem at once."""
    problems: dict[str, str] = {}
    display_name = one_line(edit.display_name)
    if len(display_name) > MAX_DISPLAY_NAME:
        problems["display_name"] = (
            f"Your display name is {len(display_name)} characters long; "
            f"use at most {MAX_DISPLAY_NAME}"
        )
    bio = edit.bio.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(bio) > MAX_BIO:
        problems["bio"] = f"Your bio is {len(bio)} characters long; use at most {MAX_BIO}"
    fields = _clean_fields(edit.fields, problems)
    if problems:
        raise ProfileRefused(problems)
    return ProfileEdit(
        display_name=display_name,
        bio=bio,
        fields=fields,
        locked=edit.locked,
        discoverable=edit.discoverable,
        indexable=edit.indexable,
    )


def _clean_fields(
    rows: tuple[ProfileField, ...], problems: dict[str, str]
) -> tuple[ProfileField, ...]:
    kept: list[ProfileField] = []
    for index, row in enumerate(rows):
        name, value = one_line(row.name), one_line(row.value)
        if not name and not value:
            continue
        for part, text, word, limit in (("name", name, "label", MAX_FIELD_NAME),
                                        ("value", value, "value", MAX_FIELD_VALUE)):  # fmt: skip
            problem = _field_problem(index + 1, text, word, limit)
            if problem:
                problems[f"field-{part}-{index}"] = problem
        kept.append(ProfileField(name, value))
    if len(kept) > MAX_FIELDS:
        problems["fields"] = (
            f"You can show at most {MAX_FIELDS} profile fields; you filled in {len(kept)}"
        )
    return tuple(kept)


def one_line(text: str) -> str:
    """Trimmed, with every run of whitespace (newlines and tabs too) made one space."""
    return " ".join(text.split())


def bio_to_html(bio: str) -> str:
    """Paragraphs at blank lines, `<br>` at single newlines, links around http(s) URLs."""
    if not bio.strip():
        return ""
    paragraphs = _BLANK_LINES.split(bio.strip())
    return "".join(
        "<p>" + "<br>".join(text_to_html(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )


def text_to_html(text: str) -> str:
    """One line of plain text as HTML: escaped, with http(s) URLs linked."""
    out: list[str] = []
    position = 0
    for match in _LINKIFY.match(text) or ():
        if match.schema.lower() not in _LINK_SCHEMAS:
            continue
        out.append(html.escape(text[position : match.index], quote=False))
        url = html.escape(match.url)
        shown = html.escape(match.text, quote=False)
        out.append(f'<a href="{url}" rel="{LINK_REL}" target="_blank">{shown}</a>')
        position = match.last_index
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _field_problem(number: int, text: str, word: str, limit: int) -> str | None:
    if not text:
        return f"Profile field {number} needs a {word}"
    if len(text) > limit:
        return f"The {word} of profile field {number} is too long; use at most {limit} characters"
    return None
