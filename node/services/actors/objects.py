"""Objects from other servers: what an activity's object may be believed to be.

An embedded object is believed only when it is on the same server as the activity's actor and
written by that actor; anything else is fetched from its origin (signed by our instance actor)
and must come back from the host its id names (docs/architecture.md, FEP-fe34).
"""

from __future__ import annotations

from federation.http import Fetched, Gone, NotFound
from federation.parse import parse_object
from federation.parse_types import Activity, Object, Tombstone
from federation.vocab import host_of
from node.services.kernel.context import NodeContext
from node.services.kernel.instance import instance_signer
from node.services.kernel.received import Rejected


async def trusted_object(ctx: NodeContext, activity: Activity) -> Object:
    """The activity's object as its author wrote it: embedded when the actor's own, otherwise
    fetched from its origin. Rejected when neither gives an object by the activity's actor."""
    obj = activity.object
    if isinstance(obj, Object) and host_of(obj.id) == host_of(activity.actor):
        if obj.attributed_to != activity.actor:
            raise Rejected("object attributed to someone other than the actor")
        return obj
    if activity.object_id is None:
        raise Rejected("no object")
    fetched = await fetch_object(ctx, activity.object_id)
    if fetched is None or fetched.attributed_to != activity.actor:
        raise Rejected("object could not be fetched from its origin, or has another author")
    return fetched


async def fetch_object(ctx: NodeContext, uri: str) -> Object | None:
    """A post-like object fetched from the server its id names; None when that fails or the
    document is not one (or came from another host)."""
    if ctx.urls.is_local(uri):
        return None
    got = await ctx.http.fetch_json(uri, signer=await instance_signer(ctx))
    if not isinstance(got, Fetched):
        return None
    parsed = parse_object(got.document)
    if not isinstance(parsed, Object) or host_of(parsed.id) != host_of(got.url):
        return None
    return parsed


async def origin_says_deleted(ctx: NodeContext, uri: str) -> bool:
    """Whether the server an object's id names says it is gone (404, 410 or a Tombstone)."""
    if ctx.urls.is_local(uri):
        return False
    got = await ctx.http.fetch_json(uri, signer=await instance_signer(ctx))
    if isinstance(got, Gone | NotFound):
        return True
    return isinstance(got, Fetched) and isinstance(parse_object(got.document), Tombstone)
