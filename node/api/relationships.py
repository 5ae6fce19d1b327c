"""The account an API path names, and the Relationship between it and the token's person
(shared by the accounts, follow-request and list endpoints)."""

from __future__ import annotations

from aiohttp import web

from node import keys
from node.api.ids import parse_account_id
from node.api.present import Person, find_person, safety_fields
from node.api.serializers import JSON, relationship_to_api
from node.domain.accounts import Account
from node.services.posts.search import RemoteActor
from node.services.social import follows


async def person_of(request: web.Request) -> Person:
    """The account `{id}` in the path names (404 when none)."""
    return await find_person(request.app[keys.NODE], parse_account_id(request.match_info["id"]))


def follow_target(request: web.Request, person: Person) -> str:
    """What services.follows takes: our actor URL for someone here, theirs for someone else."""
    if isinstance(person, RemoteActor):
        return person.uri
    return request.app[keys.NODE].urls.actor(person.username)


async def pair(request: web.Request, account: Account, person: Person) -> tuple[bool, bool, bool]:
    """(following, requested, followed_by) between the token's person and `person`."""
    ctx = request.app[keys.NODE]
    if isinstance(person, RemoteActor):
        return await follows.relationship(ctx, account, remote=person)
    return await follows.relationship(ctx, account, local=person)


async def relationship(request: web.Request, account: Account, person: Person, api_id: str) -> JSON:
    following, requested, followed_by = await pair(request, account, person)
    return relationship_to_api(
        api_id, following=following, requested=requested, followed_by=followed_by
    ) | await safety_fields(request.app[keys.NODE], account, person)
