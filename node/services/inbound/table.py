"""The one table of inbound handlers, keyed by (activity type, object type).

Each bounded context contributes its handlers here, one line each, like GoToSocial's two-level
switch (`processing/workers/fromfediapi.go`) written as one list. The object type is the
embedded object's `type` (an actor's, an activity's or a post's), or nothing when the object is
only an id; `ANY` matches any object that is not itself an activity, and an exact pair wins
over `ANY`. A pair that is not here is recorded on its row as dropped, with the reason
(docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.parse_types import Activity, Actor, Object, Tombstone
from node.services.actors import inbound as actors
from node.services.groups import inbound as groups
from node.services.groups import pins
from node.services.inbound import composed
from node.services.kernel.received import Handler
from node.services.moderation import inbound as moderation
from node.services.posts import inbound as posts
from node.services.social import inbound as social

ANY = "*"

POST_TYPES = ("Note", "Article", "Page", "Question")
ACTOR_TYPES = ("Person", "Group", "Service", "Application", "Organization")


@dataclass(frozen=True, slots=True)
class Route:
    activity: str
    object: str
    handler: Handler


def _each(activity: str, objects: tuple[str, ...], handler: Handler) -> list[Route]:
    return [Route(activity, obj, handler) for obj in objects]


ROUTES: tuple[Route, ...] = (
    # social: follows and blocks
    Route("Follow", ANY, social.on_follow),
    Route("Accept", "Follow", composed.on_accept_follow),
    Route("Accept", ANY, composed.on_accept_follow),  # Accept of a follow id
    Route("Reject", "Follow", social.on_reject_follow),
    Route("Reject", ANY, social.on_reject_follow),
    Route("Undo", "Follow", social.on_undo_follow),
    Route("Block", ANY, social.on_block),
    Route("Undo", "Block", composed.nothing_to_undo),
    # posts
    *_each("Create", POST_TYPES, posts.on_create),
    Route("Create", ANY, posts.on_create),  # by id (fetched), an event, a media object
    *_each("Update", POST_TYPES, posts.on_update),
    Route("Update", ANY, posts.on_update),
    Route("Delete", ANY, composed.on_delete),  # an actor, or a post (by id or Tombstone)
    Route("Like", ANY, posts.on_like),
    Route("Announce", ANY, posts.on_boost),
    Route("Undo", "Like", posts.on_undo_like),
    Route("Undo", "Announce", posts.on_undo_boost),
    Route("Undo", ANY, composed.on_undo_by_id),
    # actors
    *_each("Update", ACTOR_TYPES, actors.on_update_actor),
    # groups (FEP-1b12): what a group elsewhere announces, and its pinned threads
    Route("Announce", "Create", groups.on_announced_create),
    Route("Announce", "Update", groups.on_announced_update),
    Route("Announce", "Delete", groups.on_announced_delete),
    Route("Announce", "Add", pins.on_announced_pin),
    Route("Announce", "Remove", pins.on_announced_pin),
    Route("Add", ANY, pins.on_add_or_remove),
    Route("Remove", ANY, pins.on_add_or_remove),
    # moderation
    Route("Flag", ANY, moderation.on_flag),
    # events (Mobilizon's RSVPs; an event itself is shown as a post for now) and account
    # moves: routed, not supported yet
    Route("Join", ANY, composed.events_not_yet),
    Route("Leave", ANY, composed.events_not_yet),
    Route("Accept", "Join", composed.events_not_yet),
    Route("Reject", "Join", composed.events_not_yet),
    Route("Move", ANY, composed.moves_not_yet),
)

_BY_KEY: dict[tuple[str, str], Handler] = {}
for _route in ROUTES:
    if (_route.activity, _route.object) in _BY_KEY:
        raise RuntimeError(f"two inbound handlers for ({_route.activity}, {_route.object})")
    _BY_KEY[(_route.activity, _route.object)] = _route.handler


def object_type(activity: Activity) -> str | None:
    """The `type` of the activity's embedded object; None for an object given by id only."""
    obj = activity.object
    if isinstance(obj, Object | Actor | Activity):
        return obj.type
    if isinstance(obj, Tombstone):
        return "Tombstone"
    return None


def handler_for(activity: Activity) -> Handler | None:
    """The handler of the exact pair, else of (activity, ANY). An embedded activity is routed
    only by name: an Announce of a Like is not a boost, an Undo of a Dislike not an unlike."""
    kind = object_type(activity)
    exact = _BY_KEY.get((activity.type, kind)) if kind else None
    if exact is not None or isinstance(activity.object, Activity):
        return exact
    return _BY_KEY.get((activity.type, ANY))


def describe(activity: Activity) -> str:
    """The pair as an operator reads it, e.g. `(Join, Event)`, `(Undo, id)`."""
    return f"({activity.type}, {object_type(activity) or 'id'})"
