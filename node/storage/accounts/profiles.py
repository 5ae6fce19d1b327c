"""Profiles of local accounts: display name and bio (on `accounts`), images, fields, consent flags.

An account with no `profiles` row has the defaults: no images, not discoverable, not indexable.
"""

from __future__ import annotations

from typing import Final

import asyncpg

from node.domain.accounts import AccountId
from node.domain.profiles import ImageSlot, Profile, ProfileField, ProfileImage
from node.storage.pool import Conn

# Column names per slot, chosen from this fixed map and never from input.
_IMAGE_COLUMNS: Final[dict[ImageSlot, tuple[str, str, str]]] = {
    "avatar": ("avatar_key", "avatar_type", "avatar_description"),
    "header": ("header_key", "header_type", "header_description"),
}


def _image(row: asyncpg.Record, slot: ImageSlot) -> ProfileImage | None:
    key, content_type, description = _IMAGE_COLUMNS[slot]
    if row[key] is None:
        return None
    return ProfileImage(row[key], row[content_type], row[description])


async def get_profile(conn: Conn, account_id: AccountId) -> Profile | None:
    """The profile of a local account, or None when there is no such account."""
    row = await conn.fetchrow(
        """SELECT a.locked, p.avatar_key, p.avatar_type, p.avatar_description, p.header_key,
                  p.header_type, p.header_description,
                  coalesce(p.discoverable, false) AS discoverable,
                  coalesce(p.indexable, false) AS indexable
           FROM accounts a LEFT JOIN profiles p ON p.account_id = a.id
           WHERE a.id = $1""",
        account_id,
    )
    if row is None:
        return None
    fields = await conn.fetch(
        "SELECT name, value FROM profile_fields WHERE account_id = $1 ORDER BY position",
        account_id,
    )
    return Profile(
        account_id=account_id,
        locked=row["locked"],
        discoverable=row["discoverable"],
        indexable=row["indexable"],
        fields=tuple(ProfileField(f["name"], f["value"]) for f in fields),
        avatar=_image(row, "avatar"),
        header=_image(row, "header"),
    )


async def set_names(conn: Conn, account_id: AccountId, display_name: str, bio: str) -> None:
    await conn.execute(
        "UPDATE accounts SET display_name = $2, bio = $3 WHERE id = $1",
        account_id, display_name, bio,
    )  # fmt: skip


async def set_consent(
    conn: Conn, account_id: AccountId, *, discoverable: bool, indexable: bool
) -> None:
    await conn.execute(
        """INSERT INTO profiles (account_id, discoverable, indexable) VALUES ($1, $2, $3)
           ON CONFLICT (account_id) DO UPDATE
           SET discoverable = $2, indexable = $3, updated_at = now()""",
        account_id, discoverable, indexable,
    )  # fmt: skip


async def replace_fields(
    conn: Conn, account_id: AccountId, fields: tuple[ProfileField, ...]
) -> None:
    await conn.execute("DELETE FROM profile_fields WHERE account_id = $1", account_id)
    await conn.executemany(
        "INSERT INTO profile_fields (account_id, position, name, value) VALUES ($1, $2, $3, $4)",
        [(account_id, position, f.name, f.value) for position, f in enumerate(fields)],
    )


async def set_image(
    conn: Conn, account_id: AccountId, slot: ImageSlot, image: ProfileImage | None
) -> ProfileImage | None:
    """Put `image` (None: nothing) in the slot; returns the image it replaced, if any.

    The row is locked first, so two uploads at once each see the image they replace and neither
    file is left without a row or a row without its file.
    """
    key, content_type, description = _IMAGE_COLUMNS[slot]
    await conn.execute(
        "INSERT INTO profiles (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING",
        account_id,
    )
    row = await conn.fetchrow(
        f"SELECT {key}, {content_type}, {description} FROM profiles WHERE account_id = $1 "
        "FOR UPDATE",
        account_id,
    )
    assert row is not None
    await conn.execute(
        f"""UPDATE profiles SET {key} = $2, {content_type} = $3, {description} = $4,
                updated_at = now()
            WHERE account_id = $1""",
        account_id,
        image.key if image else None,
        image.content_type if image else None,
        image.description if image else "",
    )
    return _image(row, slot)
