"""Mastodon.py, a client no one here wrote, against a node started with `commonroom web`:
blocks, mutes, lists and their timeline, v2 filters, conversations and a report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.served import ServedNode, served_node
from tests.support.databases import TestDatabases

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def node(databases: TestDatabases) -> Iterator[ServedNode]:
    with served_node(databases) as served:
        yield served


def test_mastodon_py_blocks_mutes_lists_filters_conversations_and_reports(
    node: ServedNode,
) -> None:
    ana, ben, cleo = (node.mastodon(name, f"Mastodon.py {name}") for name in ("ana", "ben", "cleo"))
    ben_id = ben.account_verify_credentials().id
    cleo_id = cleo.account_verify_credentials().id
    ana.account_follow(ben_id)
    ana.account_follow(cleo_id)

    # Lists: make one, put Ben on it, read its timeline.
    staff = ana.list_create("Staff room")
    ana.list_accounts_add(staff, [ben_id])
    assert [a.id for a in ana.list_accounts(staff)] == [ben_id]
    assert [item.id for item in ana.account_lists(ben_id)] == [staff.id]
    bens = ben.status_post("Staff meeting moved to 4pm")
    cleos = cleo.status_post("Cleo is not on the list")
    shown = [s.id for s in ana.timeline_list(staff)]
    assert bens.id in shown and cleos.id not in shown

    # Filters: a warn filter marks a post on home.
    made = ana.create_filter_v2(
        "Cake",
        ["home"],
        "warn",
        keywords_attributes=[{"keyword": "cake", "whole_word": True}],
    )
    assert [f.id for f in ana.filters_v2()] == [made.id]
    caked = ben.status_post("There is cake in the staff room")
    home = {s.id: s for s in ana.timeline_home()}
    assert home[caked.id].filtered[0].filter.title == "Cake"
    assert home[caked.id].filtered[0].keyword_matches == ["cake"]

    # Conversations: a direct message between Ana and Ben.
    dm = ben.status_post("@ana a word about Friday?", visibility="direct")
    [conversation] = ana.conversations()
    assert conversation.last_status.id == dm.id and conversation.unread
    assert not ana.conversations_read(conversation).unread

    # Mutes and blocks, with the Relationship fields a client shows.
    assert ana.account_mute(cleo_id, notifications=False).muting
    assert [a.id for a in ana.mutes()] == [cleo_id]
    relation = ana.account_block(ben_id)
    assert relation.blocking and not relation.following
    assert [a.id for a in ana.blocks()] == [ben_id]
    assert bens.id not in [s.id for s in ana.timeline_home()]
    assert ana.list_accounts(staff) == [], "the block ended the follow, and the list place"
    assert not ana.account_unblock(ben_id).blocking

    report = ana.report(cleo_id, status_ids=[cleos.id], comment="Spam", category="spam")
    assert report.category == "spam" and report.status_ids == [cleos.id]
