"""federation.render: every document round-trips through federation.parse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from federation.parse import (
    Activity,
    Actor,
    Object,
    Tombstone,
    parse_activity,
    parse_actor,
    parse_object,
)
from federation.render import (
    ActivityDoc,
    ActivityRef,
    ActorDoc,
    EmojiRef,
    EventDoc,
    HashtagRef,
    ImageRef,
    MediaDoc,
    MentionRef,
    NoteDoc,
    PollDoc,
    PollOptionDoc,
    ProfileField,
    addressing,
    render_accept,
    render_actor,
    render_add,
    render_announce,
    render_article,
    render_block,
    render_collection,
    render_collection_page,
    render_create,
    render_delete,
    render_event,
    render_flag,
    render_follow,
    render_like,
    render_move,
    render_note,
    render_page,
    render_question,
    render_reject,
    render_remove,
    render_tombstone,
    render_undo,
    render_update,
)
from federation.vocab import AS2_CONTEXT, PUBLIC

HOST = "https://school.example"
BOB = f"{HOST}/users/bob"
FOLLOWERS = f"{BOB}/followers"
PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n"
WHEN = datetime(2024, 10, 14, 8, 30, tzinfo=UTC)


def actor_doc(**extra: Any) -> ActorDoc:
    values: dict[str, Any] = {
        "id": BOB,
        "type": "Person",
        "preferred_username": "bob",
        "inbox": f"{BOB}/inbox",
        "outbox": f"{BOB}/outbox",
        "public_key_pem": PEM,
        "followers": FOLLOWERS,
        "following": f"{BOB}/following",
        "name": "Bob Teacher",
        "summary": "<p>Physics.</p>",
        "url": f"{HOST}/@bob",
        "shared_inbox": f"{HOST}/inbox",
        "featured": f"{BOB}/featured",
        "icon": ImageRef(f"{HOST}/media/bob.png", "image/png"),
        "image": ImageRef(f"{HOST}/media/header.jpg"),
        "fields": (ProfileField("Room", "B12"),),
        "published": datetime(2024, 1, 1, tzinfo=UTC),
    }
    values.update(extra)
    return ActorDoc(**values)


def note_doc(**extra: Any) -> NoteDoc:
    values: dict[str, Any] = {
        "id": f"{HOST}/posts/1",
        "attributed_to": BOB,
        "content": '<p>Hello <a href="https://school.example/tags/physics">#physics</a></p>',
        "published": WHEN,
        "to": (PUBLIC,),
        "cc": (FOLLOWERS, "https://mastodon.example/users/alice"),
        "url": f"{HOST}/@bob/1",
        "language": "en",
        "mentions": (
            MentionRef("https://mastodon.example/users/alice", "@alice@mastodon.example"),
        ),
        "hashtags": (HashtagRef("physics", f"{HOST}/tags/physics"),),
        "emojis": (EmojiRef("atom", f"{HOST}/emoji/atom.png", f"{HOST}/emoji/atom", "image/png"),),
        "attachments": (
            MediaDoc(
                f"{HOST}/media/1.jpg",
                "image/jpeg",
                "Image",
                "A pendulum",
                "LKO2?U%2Tw=w",
                640,
                480,
                (0.5, -0.5),
            ),
        ),
        "context": f"{HOST}/contexts/1",
    }
    values.update(extra)
    return NoteDoc(**values)


def meta(kind: str, **extra: Any) -> ActivityDoc:
    return ActivityDoc(id=f"{HOST}/activities/{kind}-1", actor=BOB, **extra)


def is_json(document: dict[str, Any]) -> bool:
    reloaded: dict[str, Any] = json.loads(json.dumps(document))
    return reloaded == document


# ------------------------------------------------------------------ contexts


@pytest.mark.parametrize(
    "document",
    [
        render_actor(actor_doc()),
        render_note(note_doc()),
        render_tombstone(f"{HOST}/posts/1"),
        render_follow(meta("follow"), "https://mastodon.example/users/alice"),
        render_collection(FOLLOWERS, 3),
    ],
)
def test_every_document_starts_its_context_with_the_literal_as2_url(
    document: dict[str, Any],
) -> None:
    context = document["@context"]
    assert context[0] == AS2_CONTEXT
    assert "https://w3id.org/security/v1" in context
    assert is_json(document)


def test_context_is_a_fresh_copy_each_time() -> None:
    first = render_note(note_doc())
    first["@context"][2]["toot"] = "mutated"
    assert render_note(note_doc())["@context"][2]["toot"] == "http://joinmastodon.org/ns#"


# ------------------------------------------------------------------ actors


def test_person_round_trip() -> None:
    document = render_actor(actor_doc(discoverable=True))
    assert document["publicKey"] == {"id": f"{BOB}#main-key", "owner": BOB, "publicKeyPem": PEM}
    assert document["endpoints"] == {"sharedInbox": f"{HOST}/inbox"}
    extension = document["@context"][2]
    for term in (
        "manuallyApprovesFollowers",
        "discoverable",
        "indexable",
        "PropertyValue",
        "value",
    ):
        assert term in extension
    actor = parse_actor(document)
    assert isinstance(actor, Actor)
    assert (actor.id, actor.type, actor.preferred_username) == (BOB, "Person", "bob")
    assert actor.public_key is not None and actor.public_key.pem == PEM
    assert actor.shared_inbox == f"{HOST}/inbox"
    assert actor.followers == FOLLOWERS and actor.featured == f"{BOB}/featured"
    assert actor.icon_url == f"{HOST}/media/bob.png"
    assert actor.image_url == f"{HOST}/media/header.jpg"
    assert actor.discoverable is True and actor.indexable is False
    assert [(f.name, f.value) for f in actor.fields] == [("Room", "B12")]
    assert actor.published == datetime(2024, 1, 1, tzinfo=UTC)
    assert actor.summary == "<p>Physics.</p>"


def test_minor_defaults_are_not_discoverable_or_indexable() -> None:
    document = render_actor(actor_doc())
    assert document["discoverable"] is False and document["indexable"] is False


def test_group_round_trip_carries_lemmy_terms() -> None:
    group = actor_doc(
        id=f"{HOST}/groups/physics",
        type="Group",
        preferred_username="physics",
        moderators=f"{HOST}/groups/physics/moderators",
        posting_restricted_to_mods=True,
        manually_approves_followers=True,
    )
    document = render_actor(group)
    assert document["attributedTo"] == document["moderators"] == f"{HOST}/groups/physics/moderators"
    assert document["postingRestrictedToMods"] is True
    parsed = parse_actor(document)
    assert isinstance(parsed, Actor)
    assert parsed.type == "Group"
    assert parsed.moderators == f"{HOST}/groups/physics/moderators"
    assert parsed.posting_restricted_to_mods is True
    assert parsed.manually_approves_followers is True


def test_application_instance_actor_round_trip() -> None:
    instance = ActorDoc(
        id=f"{HOST}/actor",
        type="Application",
        preferred_username="school.example",
        inbox=f"{HOST}/actor/inbox",
        outbox=f"{HOST}/actor/outbox",
        public_key_pem=PEM,
        manually_approves_followers=True,
    )
    document = render_actor(instance)
    assert "followers" not in document
    parsed = parse_actor(document)
    assert isinstance(parsed, Actor) and parsed.is_bot


def test_moved_actor_round_trip() -> None:
    document = render_actor(
        actor_doc(
            moved_to="https://new.example/users/bob", also_known_as=("https://old.example/u/bob",)
        )
    )
    parsed = parse_actor(document)
    assert isinstance(parsed, Actor)
    assert parsed.moved_to == "https://new.example/users/bob"
    assert parsed.also_known_as == ("https://old.example/u/bob",)


# ------------------------------------------------------------------ objects


def test_note_round_trip() -> None:
    document = render_note(
        note_doc(summary="Spoilers", sensitive=True, in_reply_to="https://m.example/n/1")
    )
    assert document["contentMap"] == {"en": document["content"]}
    note = parse_object(document)
    assert isinstance(note, Object)
    assert (note.id, note.type, note.attributed_to) == (f"{HOST}/posts/1", "Note", BOB)
    assert note.language == "en"
    assert note.published == WHEN
    assert note.to == (PUBLIC,)
    assert note.cc == (FOLLOWERS, "https://mastodon.example/users/alice")
    assert note.summary == "Spoilers" and note.sensitive is True
    assert note.in_reply_to == "https://m.example/n/1"
    assert note.mentions[0].href == "https://mastodon.example/users/alice"
    assert note.hashtags[0].name == "physics"
    assert note.emojis[0].shortcode == "atom"
    media = note.attachments[0]
    assert (media.url, media.name, media.width, media.height) == (
        f"{HOST}/media/1.jpg",
        "A pendulum",
        640,
        480,
    )
    assert media.focal_point == (0.5, -0.5) and media.blurhash == "LKO2?U%2Tw=w"
    assert note.context == f"{HOST}/contexts/1"
    assert note.url == f"{HOST}/@bob/1"
    assert ">#physics</a>" in note.content


def test_no_content_map_without_a_language() -> None:
    assert "contentMap" not in render_note(note_doc(language=None))


def test_direct_message_is_marked_for_pleroma() -> None:
    document = render_note(
        note_doc(to=("https://akkoma.example/users/beatrix",), cc=(), direct_message=True)
    )
    assert document["directMessage"] is True
    assert "directMessage" in document["@context"][2]


def test_article_round_trip() -> None:
    document = render_article(
        note_doc(name="Teaching pendulums", image=ImageRef(f"{HOST}/media/cover.jpg"))
    )
    article = parse_object(document)
    assert isinstance(article, Object)
    assert article.type == "Article"
    assert article.name == "Teaching pendulums"
    assert article.image_url == f"{HOST}/media/cover.jpg"


def test_page_round_trip_with_group_audience() -> None:
    group = f"{HOST}/groups/physics"
    document = render_page(note_doc(name="Lab safety thread", to=(group, PUBLIC), audience=group))
    page = parse_object(document)
    assert isinstance(page, Object)
    assert page.type == "Page" and page.audience == (group,)


def test_question_round_trip() -> None:
    poll = PollDoc(
        options=(PollOptionDoc("Yes", 3), PollOptionDoc("No", 1)),
        multiple=True,
        end_time=datetime(2024, 10, 15, tzinfo=UTC),
        voters_count=4,
    )
    document = render_question(note_doc(), poll)
    assert "anyOf" in document and "oneOf" not in document
    question = parse_object(document)
    assert isinstance(question, Object) and question.poll is not None
    assert question.poll.multiple is True
    assert [(o.name, o.votes) for o in question.poll.options] == [("Yes", 3), ("No", 1)]
    assert question.poll.end_time == datetime(2024, 10, 15, tzinfo=UTC)
    assert question.poll.voters_count == 4 and question.poll.closed is False


def test_closed_single_choice_question() -> None:
    poll = PollDoc(options=(PollOptionDoc("A"),), closed=datetime(2024, 10, 16, tzinfo=UTC))
    question = parse_object(render_question(note_doc(), poll))
    assert isinstance(question, Object) and question.poll is not None
    assert question.poll.multiple is False
    assert question.poll.closed is True
    assert question.poll.closed_at == datetime(2024, 10, 16, tzinfo=UTC)


def test_event_round_trip() -> None:
    event = EventDoc(
        start_time=datetime(2025, 3, 22, 9, tzinfo=UTC),
        end_time=datetime(2025, 3, 22, 16, tzinfo=UTC),
        location_name="Main hall",
        timezone="Europe/London",
        join_mode="free",
    )
    parsed = parse_object(render_event(note_doc(name="Science fair"), event))
    assert isinstance(parsed, Object) and parsed.event is not None
    assert parsed.event.start_time == event.start_time
    assert parsed.event.end_time == event.end_time
    assert parsed.event.location_name == "Main hall"
    assert parsed.event.timezone == "Europe/London" and parsed.event.join_mode == "free"


def test_tombstone_round_trip() -> None:
    document = render_tombstone(f"{HOST}/posts/1", "Note", datetime(2024, 10, 20, tzinfo=UTC))
    tombstone = parse_object(document)
    assert tombstone == Tombstone(f"{HOST}/posts/1", "Note", datetime(2024, 10, 20, tzinfo=UTC))


def test_naive_datetimes_are_rendered_as_utc() -> None:
    document = render_note(note_doc(published=datetime(2024, 10, 14, 8, 30)))
    assert document["published"] == "2024-10-14T08:30:00Z"


# ------------------------------------------------------------------ activities


def round_trip(document: dict[str, Any]) -> Activity:
    assert document["@context"][0] == AS2_CONTEXT
    parsed = parse_activity(document)
    assert isinstance(parsed, Activity), parsed
    assert parsed.id == document["id"]
    assert parsed.actor == BOB
    return parsed


def test_create_round_trip_embeds_the_note_without_its_context() -> None:
    document = render_create(
        meta("create", to=(PUBLIC,), cc=(FOLLOWERS,), published=WHEN), render_note(note_doc())
    )
    assert "@context" not in document["object"]
    create = round_trip(document)
    assert create.type == "Create" and isinstance(create.object, Object)
    assert create.to == (PUBLIC,) and create.cc == (FOLLOWERS,)
    assert create.published == WHEN


def test_update_round_trip_of_an_actor() -> None:
    update = round_trip(render_update(meta("update", to=(PUBLIC,)), render_actor(actor_doc())))
    assert update.type == "Update" and isinstance(update.object, Actor)


def test_update_round_trip_of_an_edited_note() -> None:
    edited = render_note(note_doc(updated=datetime(2024, 10, 15, tzinfo=UTC)))
    update = round_trip(render_update(meta("update"), edited))
    assert isinstance(update.object, Object)
    assert update.object.updated == datetime(2024, 10, 15, tzinfo=UTC)


def test_delete_round_trip_with_tombstone_and_with_actor_id() -> None:
    delete = round_trip(
        render_delete(meta("delete", to=(PUBLIC,)), render_tombstone(f"{HOST}/posts/1", "Note"))
    )
    assert isinstance(delete.object, Tombstone)
    delete_actor = round_trip(render_delete(meta("delete-actor"), BOB))
    assert delete_actor.object == BOB


def test_follow_accept_reject_undo_round_trip() -> None:
    follow_ref = ActivityRef(
        "https://mastodon.example/f/1", "Follow", "https://mastodon.example/users/alice", BOB
    )
    follow = round_trip(render_follow(meta("follow"), "https://mastodon.example/users/alice"))
    assert follow.object == "https://mastodon.example/users/alice"
    accept = round_trip(render_accept(meta("accept"), follow_ref))
    assert accept.id == f"{HOST}/activities/accept-1"  # ours, never the Follow's id
    assert isinstance(accept.object, Activity) and accept.object.id == follow_ref.id
    reject = round_trip(render_reject(meta("reject"), follow_ref.id))
    assert reject.object == follow_ref.id
    own_follow = ActivityRef(
        f"{HOST}/activities/follow-1", "Follow", BOB, "https://mastodon.example/users/alice"
    )
    undo = round_trip(render_undo(meta("undo"), own_follow))
    assert isinstance(undo.object, Activity) and undo.object.type == "Follow"


def test_like_and_announce_round_trip() -> None:
    like = round_trip(render_like(meta("like"), "https://mastodon.example/n/1", content="👍"))
    assert like.type == "Like" and like.content == "👍"
    announce = round_trip(
        render_announce(
            meta("announce", to=(PUBLIC,), cc=(FOLLOWERS,)), "https://mastodon.example/n/1"
        )
    )
    assert announce.object == "https://mastodon.example/n/1"


def test_group_announce_relays_a_member_activity_unchanged() -> None:
    member_create = {
        "@context": AS2_CONTEXT,
        "id": "https://mastodon.example/users/alice/statuses/1/activity",
        "type": "Create",
        "actor": "https://mastodon.example/users/alice",
        "object": {
            "id": "https://mastodon.example/users/alice/statuses/1",
            "type": "Note",
            "attributedTo": "https://mastodon.example/users/alice",
            "content": "<p>hello group</p>",
        },
    }
    group_meta = ActivityDoc(
        id=f"{HOST}/activities/announce-2", actor=BOB, to=(PUBLIC,), cc=(FOLLOWERS,)
    )
    document = render_announce(group_meta, member_create)
    assert document["object"] == {k: v for k, v in member_create.items() if k != "@context"}
    inner = round_trip(document).object
    assert isinstance(inner, Activity) and inner.id == member_create["id"]


def test_add_remove_block_flag_move_round_trip() -> None:
    featured = f"{BOB}/featured"
    add = round_trip(render_add(meta("add"), f"{HOST}/posts/1", featured))
    assert add.target == featured
    remove = round_trip(render_remove(meta("remove"), f"{HOST}/posts/1", featured))
    assert remove.type == "Remove" and remove.target == featured
    block = round_trip(render_block(meta("block"), "https://mastodon.example/users/troll"))
    assert block.object == "https://mastodon.example/users/troll"
    reported = (
        "https://mastodon.example/users/troll",
        "https://mastodon.example/users/troll/statuses/9",
    )
    flag = round_trip(render_flag(meta("flag", to=(reported[0],)), reported, "Harassing a student"))
    assert flag.object_ids == reported and flag.content == "Harassing a student"
    move = round_trip(render_move(meta("move"), BOB, "https://new.example/users/bob"))
    assert move.object == BOB and move.target == "https://new.example/users/bob"


def test_activity_ids_are_exactly_the_callers() -> None:
    document = render_like(ActivityDoc(id=f"{HOST}/likes/42", actor=BOB), "https://m.example/n/1")
    assert document["id"] == f"{HOST}/likes/42"


# ------------------------------------------------------------------ addressing


ALICE = "https://mastodon.example/users/alice"


def test_public_addressing() -> None:
    assert addressing("public", FOLLOWERS, [ALICE]) == ((PUBLIC,), (FOLLOWERS, ALICE))


def test_unlisted_addressing() -> None:
    assert addressing("unlisted", FOLLOWERS, [ALICE]) == ((FOLLOWERS,), (PUBLIC, ALICE))


def test_followers_only_addressing_never_mentions_public() -> None:
    to, cc = addressing("followers", FOLLOWERS, [ALICE])
    assert (to, cc) == ((FOLLOWERS,), (ALICE,))
    assert PUBLIC not in (*to, *cc)


def test_direct_addressing_is_only_the_mentioned() -> None:
    assert addressing("direct", FOLLOWERS, [ALICE, ALICE]) == ((ALICE,), ())


# ------------------------------------------------------------------ collections


def test_collection_with_first_page() -> None:
    document = render_collection(FOLLOWERS, 25, first=f"{FOLLOWERS}?page=1")
    assert document["type"] == "OrderedCollection"
    assert document["totalItems"] == 25
    assert document["first"] == f"{FOLLOWERS}?page=1"
    assert "orderedItems" not in document


def test_collection_with_only_a_count() -> None:
    document = render_collection(FOLLOWERS, 7)
    assert set(document) == {"@context", "id", "type", "totalItems"}


def test_collection_with_inline_items_embeds_without_context() -> None:
    document = render_collection(f"{BOB}/featured", 1, items=[render_note(note_doc())])
    assert document["orderedItems"][0]["id"] == f"{HOST}/posts/1"
    assert "@context" not in document["orderedItems"][0]


def test_collection_pages_link_to_each_other_and_the_collection() -> None:
    first = render_collection_page(
        f"{FOLLOWERS}?page=1",
        FOLLOWERS,
        [ALICE, BOB],
        next_page=f"{FOLLOWERS}?page=2",
        total_items=3,
    )
    second = render_collection_page(
        f"{FOLLOWERS}?page=2", FOLLOWERS, [HOST], prev_page=f"{FOLLOWERS}?page=1"
    )
    assert first["type"] == second["type"] == "OrderedCollectionPage"
    assert first["partOf"] == second["partOf"] == FOLLOWERS
    assert first["orderedItems"] == [ALICE, BOB]
    assert first["next"] == second["id"] and second["prev"] == first["id"]
    assert "prev" not in first and "next" not in second
    assert first["totalItems"] == 3
