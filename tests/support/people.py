"""People for tests: local accounts, and actors on other servers already in our cache (so
nothing is fetched)."""

from __future__ import annotations

from urllib.parse import urlsplit

from node.domain.accounts import Account, Role
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActor, RemoteActorFields

PASSWORD = "correct horse 1"


async def local_person(ctx: NodeContext, username: str, *, role: Role = Role.EDUCATOR) -> Account:
    return await accounts.create_account(
        ctx.db, username, f"{username}@district.example", password=PASSWORD, role=role
    )


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
