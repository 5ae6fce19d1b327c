"""Reading the activities a collection lists inline (a group's outbox, as Lemmy serves it)."""

from __future__ import annotations

from typing import Any

from federation.parse import parse_collection_activities

GROUP = "https://lemmy.example/c/biology"


def _announce(n: int) -> dict[str, Any]:
    return {
        "id": f"{GROUP}/announces/{n}", "type": "Announce", "actor": GROUP,
        "object": f"https://lemmy.example/post/{n}",
    }  # fmt: skip


def test_inline_items_are_read_in_order_up_to_the_limit_and_unusable_ones_skipped() -> None:
    outbox = {
        "id": f"{GROUP}/outbox", "type": "OrderedCollection",
        "orderedItems": [_announce(1), "https://lemmy.example/activities/x", {"type": "Announce"},
                         _announce(2), _announce(3)],
    }  # fmt: skip

    found = parse_collection_activities(outbox, limit=4)

    assert [a.id for _, a in found] == [f"{GROUP}/announces/1", f"{GROUP}/announces/2"]
    assert [raw["id"] for raw, _ in found] == [f"{GROUP}/announces/1", f"{GROUP}/announces/2"]


def test_items_of_an_embedded_first_page_are_read() -> None:
    outbox = {
        "id": f"{GROUP}/outbox", "type": "OrderedCollection", "totalItems": 1,
        "first": {"type": "OrderedCollectionPage", "orderedItems": [_announce(7)]},
    }  # fmt: skip

    assert [a.object_id for _, a in parse_collection_activities(outbox, limit=20)] == [
        "https://lemmy.example/post/7"
    ]


def test_a_collection_with_only_a_count_lists_nothing() -> None:
    assert parse_collection_activities({"type": "OrderedCollection", "totalItems": 3}, 20) == ()
