"""Hostile signed activities through the real inbox and the worker: every answer is 202 or a
4xx, and the worker ends each one applied, rejected or dropped with a reason, never in an
unforeseen exception (which would retry it for days)."""

from __future__ import annotations

import json
import random
import re
from typing import Any

from aiohttp.test_utils import TestClient

from federation.crypto import generate_rsa_keypair
from federation.signatures import SigningKey, sign_request
from node import keys
from node.services.inbound.apply import apply_due
from node.storage.actors import remote_actors as actor_store
from node.storage.actors.remote_actors import RemoteActorFields

SENDER = "http://127.0.0.2:9/users/mallory"  # nothing listens there: fetches fail at once
KEYS = generate_rsa_keypair()
TYPES = ["Create", "Update", "Delete", "Like", "Announce", "Follow", "Undo", "Accept",
         "Reject", "Add", "Remove", "Block", "Flag", "Join", "Move", "EmojiReact",
         "Wave"]  # fmt: skip
HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    2**70,
    -(2**64),
    1.5,
    1e308,
    "",
    "x" * 5000,
    "\u202e",
    "¹",
    "http://" + "a" * 64 + ".example/x",
    "javascript:alert(1)",
    SENDER,
    f"{SENDER}/statuses/1",
    "https://www.w3.org/ns/activitystreams#Public",
    [],
    {},
    [None],
    {"id": 5},
]
FIELDS = ["id", "type", "attributedTo", "content", "to", "cc", "tag", "attachment",
          "inReplyTo", "published", "url", "name", "summary", "oneOf", "endTime",
          "audience", "target", "object", "actor", "icon", "sensitive"]  # fmt: skip
EXAMPLES = 400


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.25:
        return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randint(0, 6))}
    if depth < 2 and roll < 0.35:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(HOSTILE)


def _activities() -> list[dict[str, Any]]:
    """The same hostile activities on every run (a fixed seed)."""
    rng = random.Random(1202)
    found = []
    for n in range(EXAMPLES):
        obj = _value(rng)
        if rng.random() < 0.5:  # an object that looks the part, with hostile fields
            obj = {"id": f"{SENDER}/objects/{n}", "type": rng.choice(["Note", "Page", "Event",
                   "Question", "Person", "Follow", "Tombstone"]), "attributedTo": SENDER,
                   **{rng.choice(FIELDS): _value(rng, 1) for _ in range(4)}}  # fmt: skip
        found.append({"id": f"{SENDER}/activities/{n}", "type": rng.choice(TYPES),
                      "actor": SENDER, "object": obj, "to": _value(rng, 1),
                      "cc": _value(rng, 1), "published": _value(rng, 2)})  # fmt: skip
    return found


UNFORESEEN = re.compile(r"^[A-Z][A-Za-z]*(Error|Exception|Warning)\b")


async def _known_sender(client: TestClient[Any, Any]) -> None:
    async with client.server.app[keys.NODE].db.transaction() as conn:
        await actor_store.upsert_remote_actor(conn, RemoteActorFields(
            uri=SENDER, actor_type="Person", username="mallory", host="127.0.0.2:9",
            display_name="", summary_html="", inbox=f"{SENDER}/inbox", shared_inbox=None,
            followers_uri=f"{SENDER}/followers", url=SENDER, key_id=f"{SENDER}#main-key",
            public_key_pem=KEYS.public_pem, manually_approves=False, raw={"id": SENDER},
        ))  # fmt: skip


async def test_hostile_signed_activities_get_no_5xx_and_end_with_a_reason(
    client: TestClient[Any, Any],
) -> None:
    await _known_sender(client)
    url = f"http://{client.host}:{client.port}/inbox"
    key = SigningKey(f"{SENDER}#main-key", KEYS.private_pem)
    statuses = []
    for activity in _activities():
        body = json.dumps(activity).encode()
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"},
                               body, key)  # fmt: skip
        response = await client.post("/inbox", data=body, headers=headers)
        statuses.append(response.status)

    assert statuses and all(status == 202 or 400 <= status < 500 for status in statuses)
    ctx = client.server.app[keys.NODE]
    while await apply_due(ctx):
        pass
    async with ctx.db.connection() as conn:
        errors = [row["last_error"] for row in await conn.fetch(
            "SELECT last_error FROM inbox_activities WHERE last_error IS NOT NULL")]  # fmt: skip
    assert not [error for error in errors if UNFORESEEN.match(error)]
