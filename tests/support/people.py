"""People for tests: local accounts, and actors on other servers already in our cache (so
nothing is fetched)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from node.domain.accounts import Account, Role
from node.infra.passwords import hash_password
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext
from node.storage.accounts import accounts as account_store
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor, RemoteActorFields

PASSWORD = "correct horse 1"
_hashed: list[str] = []  # PASSWORD's Argon2 hash, once made


async def password_hash() -> str:
    """PASSWORD's Argon2 hash, made once: a hash costs a fifth of a second, and the suite makes
    hundreds of people who all sign in with the same password."""
    if not _hashed:
        _hashed.append(await hash_password(PASSWORD))
    return _hashed[0]


async def local_person(ctx: NodeContext, username: str, *, role: Role = Role.EDUCATOR) -> Account:
    """A person here (with a key pair of their own) who signs in with PASSWORD."""
    account = await accounts.create_account(
        ctx.db, username, f"{username}@district.example", role=role
    )
    async with ctx.db.transaction() as conn:
        await account_store.set_password_hash(conn, account.id, await password_hash())
    return replace(account, has_password=True)


async def remote_actor(
    ctx: NodeContext, uri: str, *, actor_type: str = "Person", shared_inbox: str | None = None
) -> RemoteActor:
    """An actor elsewhere, as if fetched a moment ago."""
    host = urlsplit(uri).netloc
    async with ctx.db.transaction() as conn:
        return await actor_store.upsert_remote_actor(conn, RemoteActorFields(
            uri=uri, actor_type=actor_type, username=uri.rstrip("/").rsplit("/", 1)[-1],
            host=host, display_name="", summary_html="", inbox=f"{uri}/inbox",
            shared_inbox=shared_inbox, followers_uri=f"{uri}/followers", url=uri,
            key_id=f"{uri}#main-key", public_key_pem=None, manually_approves=False,
            raw={"id": uri, "type": actor_type},
        ))  # fmt: skip
