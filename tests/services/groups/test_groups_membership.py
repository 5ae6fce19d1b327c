"""Groups and who is in them (node.services.groups.groups): a teacher creates a group and owns
it; its join policy lets people in at once (open), when a moderator agrees (approval) or only
when invited (invite); a group elsewhere is joined by a Follow."""

from __future__ import annotations

import pytest

from node.domain.accounts import Role
from node.domain.errors import Forbidden, ValidationFailed
from node.domain.groups import GroupSettings, Membership
from node.services.groups import groups
from node.services.kernel.context import NodeContext
from node.services.social import notifications
from tests.support.outbox import queued
from tests.support.people import local_person, remote_actor


async def test_a_teacher_creates_a_group_she_owns_and_a_student_cannot(ctx: NodeContext) -> None:
    owen = await local_person(ctx, "owen")
    sam = await local_person(ctx, "sam", role=Role.STUDENT)

    made = await groups.create_group(ctx, owen, "bookclub", GroupSettings(
        name="Book club", description="Novels for Year 9", subjects=("English",),
    ))  # fmt: skip

    found = await groups.find_group(ctx, "bookclub")
    assert (found.name, found.description, found.subjects) == ("Book club", "Novels for Year 9",
                                                               ("English",))  # fmt: skip
    assert found.local and found.member_count == 1 and found.join_policy == "open"
    assert await groups.membership(ctx, owen, found) == Membership(role="owner")
    assert [g.handle for g in await groups.my_groups(ctx, owen)] == ["bookclub"]
    assert [g.handle for g in await groups.directory_page(ctx, "novels")] == ["bookclub"]
    with pytest.raises(Forbidden):
        await groups.create_group(ctx, sam, "mine", GroupSettings(name="Mine"))
    with pytest.raises(ValidationFailed):
        await groups.create_group(ctx, owen, "new", GroupSettings(name="A word the site uses"))
    assert [g.handle for g in await groups.directory_page(ctx)] == [made.handle]


async def test_an_open_group_lets_anyone_in_and_out_but_its_owner_stays(ctx: NodeContext) -> None:
    owen, ana = await local_person(ctx, "owen"), await local_person(ctx, "ana")
    group = await groups.create_group(ctx, owen, "bookclub", GroupSettings(name="Book club"))

    assert await groups.join(ctx, ana, group) == Membership(role="member")
    members = await groups.members(ctx, ana, group)
    assert sorted(m.username for m in members) == ["ana", "owen"]
    await groups.leave(ctx, ana, group)
    assert await groups.membership(ctx, ana, group) == Membership(role=None)
    with pytest.raises(ValidationFailed):
        await groups.leave(ctx, owen, group)
    assert (await groups.membership(ctx, owen, group)).role == "owner"


async def test_an_approval_group_lets_in_whom_a_moderator_accepts(ctx: NodeContext) -> None:
    owen, ana = await local_person(ctx, "owen"), await local_person(ctx, "ana")
    group = await groups.create_group(
        ctx, owen, "staffroom", GroupSettings(name="Staff room", join_policy="approval")
    )

    asked = await groups.join(ctx, ana, group)
    assert (asked.is_member, asked.pending) == (False, True)
    assert [n.kind for n in await notifications.list_notifications(ctx, owen)] == ["group_request"]
    with pytest.raises(Forbidden):
        await groups.join_requests(ctx, ana, group)  # only moderators see the requests
    [request] = await groups.join_requests(ctx, owen, group)
    assert request.handle == "ana"

    await groups.answer_request(ctx, owen, group, request.follow_id, accept=True)

    assert await groups.membership(ctx, ana, group) == Membership(role="member")
    assert await groups.join_requests(ctx, owen, group) == []


async def test_an_invite_only_group_lets_in_only_the_invited(ctx: NodeContext) -> None:
    owen, ana = await local_person(ctx, "owen"), await local_person(ctx, "ana")
    group = await groups.create_group(
        ctx, owen, "governors", GroupSettings(name="Governors", join_policy="invite")
    )

    with pytest.raises(Forbidden):
        await groups.join(ctx, ana, group)
    with pytest.raises(Forbidden):
        await groups.invite(ctx, ana, group, "ana")  # not a moderator
    assert await groups.invite(ctx, owen, group, "ana") == ctx.urls.actor("ana")
    assert (await groups.membership(ctx, ana, group)).invited

    assert (await groups.join(ctx, ana, group)).role == "member"


async def test_joining_a_group_elsewhere_sends_it_a_follow(ctx: NodeContext) -> None:
    ana = await local_person(ctx, "ana")
    club = await remote_actor(ctx, "http://127.0.0.2:9/c/chess", actor_type="Group")
    group = await groups.find_group(ctx, "chess@127.0.0.2:9")
    assert not group.local and group.uri == club.uri

    joined = await groups.join(ctx, ana, group)

    assert (joined.is_member, joined.pending) == (False, True)
    [follow] = await queued(ctx)
    assert (follow.type, follow.object_id, follow.inboxes) == ("Follow", club.uri,
                                                               [f"{club.uri}/inbox"])  # fmt: skip
