"""The Fedify peer harness works on its own: two Fedify peers federate over plain-http loopback.

No Commonroom node is involved; this proves the hooks, the helper and Fedify's loopback setup
so that an interop failure elsewhere points at the node, not at the harness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.interop.fedify_peer import FedifyPeer, PeerError


def test_two_fedify_peers_follow_and_post(
    fedify_peer_factory: Callable[..., FedifyPeer],
) -> None:
    a = fedify_peer_factory("alice")
    b = fedify_peer_factory("bob")

    health = a.health()
    assert health["ok"] is True
    assert health["actor"] == a.actor_url
    assert int(health["fedify"].split(".")[0]) >= 1

    # A follows B by actor URL; B (Fedify) auto-accepts and A records the Accept.
    a.follow(b.actor_url)
    follow = b.wait_for(lambda x: x["type"] == "Follow")
    assert follow["actor"] == a.actor_url
    assert follow["object"] == b.actor_url
    assert follow["verified"] is True
    accept = a.wait_for(lambda x: x["type"] == "Accept")
    assert accept["actor"] == b.actor_url
    assert accept["object"] == follow["id"]
    assert b.followers() == [a.actor_url]
    assert a.following() == [{"target": b.actor_url, "followId": follow["id"], "state": "accepted"}]

    # B posts; A receives the Create(Note), signed and verified.
    posted = b.post("Hello from <b>bob</b> & co")
    create = a.wait_for(lambda x: x["type"] == "Create" and x["id"] == posted["id"])
    assert create["actor"] == b.actor_url
    assert create["verified"] is True
    assert create["signature"]["scheme"] == "rfc9421"  # Fedify 2 knocks with RFC 9421 first
    assert create["signature"]["keyId"].startswith(b.actor_url)
    note = create["raw"]["object"]
    assert note["id"] == posted["object"]
    assert note["type"] == "Note"
    assert note["attributedTo"] == b.actor_url
    assert "Hello from &lt;b&gt;bob&lt;/b&gt; &amp; co" in note["content"]
    assert a.unverified() == []

    # A mentions B in a reply and likes B's note; B receives both.
    reply = a.post("nice", mention=b.actor_url, in_reply_to=posted["object"])
    b.wait_for(lambda x: x["type"] == "Create" and x["object"] == reply["object"])
    a.like(posted["object"])
    like = b.wait_for(lambda x: x["type"] == "Like")
    assert like["object"] == posted["object"]
    assert like["actor"] == a.actor_url

    # Unfollow removes A from B's followers.
    a.unfollow(b.actor_url)
    b.wait_for(lambda x: x["type"] == "Undo")
    assert b.followers() == []
    assert a.following() == []


def test_draft_cavage_first_knock_and_hook_errors(
    fedify_peer_factory: Callable[..., FedifyPeer],
) -> None:
    a = fedify_peer_factory("carol", first_knock="draft-cavage-http-signatures-12", keys="rsa")
    b = fedify_peer_factory("dave")

    a.follow(b.actor_url)
    follow = b.wait_for(lambda x: x["type"] == "Follow")
    assert follow["signature"]["scheme"] == "draft-cavage"
    assert follow["hasProof"] is False

    with pytest.raises(PeerError) as raised:
        a.follow(f"{b.base_url}/users/nobody")
    assert raised.value.status == 502

    with pytest.raises(AssertionError, match="no matching activity"):
        a.wait_for(lambda x: x["type"] == "Announce", timeout=0.3)


def test_unsigned_post_is_refused_and_recorded(
    fedify_peer: FedifyPeer,
) -> None:
    from urllib.request import Request

    from tests.interop.fedify_peer import _opener

    body = (
        b'{"@context":"https://www.w3.org/ns/activitystreams","id":"http://127.0.0.1:1/x",'
        b'"type":"Like","actor":"http://127.0.0.1:1/users/x","object":"http://127.0.0.1:1/n"}'
    )
    request = Request(
        f"{fedify_peer.actor_url}/inbox",
        data=body,
        method="POST",
        headers={"Content-Type": "application/activity+json"},
    )
    with pytest.raises(Exception, match="401"):
        _opener.open(request, timeout=10)
    assert fedify_peer.received() == []
    refused = fedify_peer.unverified()
    assert [(r["type"], r["reason"]) for r in refused] == [("Like", "noSignature")]
    assert fedify_peer.inbox_log()[-1]["status"] == 401


async def test_helper_from_an_async_test(
    fedify_peer_factory: Callable[..., FedifyPeer],
) -> None:
    # The helper blocks; async tests (whose loop may serve a node) go through to_thread.
    a = fedify_peer_factory("erin")
    b = fedify_peer_factory("frank")
    await asyncio.to_thread(a.follow, b.actor_url)
    accept = await asyncio.to_thread(a.wait_for, lambda x: x["type"] == "Accept")
    assert accept["actor"] == b.actor_url
