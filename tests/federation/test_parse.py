"""federation.parse over the recorded-shape corpus and hand-made edge cases (no network)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.parse import (
    Activity,
    Actor,
    Emoji,
    Hashtag,
    Mention,
    Object,
    ParseError,
    Tombstone,
    UnknownType,
    parse_activity,
    parse_actor,
    parse_key,
    parse_object,
)
from federation.vocab import PUBLIC

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "remote"

ACTIVITY_TYPES = {
    "Follow", "Accept", "Reject", "Undo", "Create", "Update", "Delete", "Like", "Announce",
    "Block", "Flag", "Move", "Add", "Remove", "Join", "Leave", "EmojiReact", "Dislike",
}  # fmt: skip
ACTOR_TYPES = {"Person", "Group", "Application", "Service", "Organization"}

# Files whose expected outcome is not "the parsed value has the document's own type".
EXCEPTIONS: dict[str, tuple[type, str]] = {
    # GoToSocial's key stub has no inbox: usable as a key document only.
    "gts.example/users/turtle/main-key.json": (ParseError, ""),
    # Mastodon's pin Add has no id; we refuse id-less activities.
    "mastodon.example/users/alice/collections/featured-add.json": (ParseError, ""),
    "lemmy.example/activities/dislike/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d.json": (
        UnknownType,
        "Dislike",
    ),
    # EmojiReact is read as a Like with content.
    "akkoma.example/activities/2b3c4d5e-6f70-4819-8a2b-3c4d5e6f7a8b.json": (Activity, "Like"),
}
ALL_FIXTURES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.json"))


def load(path: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / path).read_text(encoding="utf-8"))
    return doc


def parse_any(doc: dict[str, Any]) -> Any:
    kind = doc.get("type")
    if kind in ACTOR_TYPES:
        return parse_actor(doc)
    if kind in ACTIVITY_TYPES:
        return parse_activity(doc)
    return parse_object(doc)


def parsed(path: str) -> Any:
    return parse_any(load(path))


def expected_outcome(path: str) -> tuple[type, str]:
    if path in EXCEPTIONS:
        return EXCEPTIONS[path]
    kind = load(path)["type"]
    if kind in ACTOR_TYPES:
        return Actor, kind
    if kind in ACTIVITY_TYPES:
        return Activity, kind
    return (Tombstone if kind == "Tombstone" else Object), kind


def test_the_corpus_covers_every_peer_with_at_least_30_files() -> None:
    assert len(ALL_FIXTURES) >= 30
    hosts = {path.split("/")[0] for path in ALL_FIXTURES}
    assert hosts == {
        "mastodon.example",
        "lemmy.example",
        "misskey.example",
        "gts.example",
        "akkoma.example",
        "mobilizon.example",
        "fedify.example",
    }
    assert set(EXCEPTIONS) <= set(ALL_FIXTURES)


@pytest.mark.parametrize("path", ALL_FIXTURES)
def test_fixture_parses_offline_into_the_expected_type(path: str) -> None:
    expected_class, expected_type = expected_outcome(path)
    result = parsed(path)
    assert isinstance(result, expected_class), result
    if not isinstance(result, ParseError):
        assert getattr(result, "type", None) == expected_type


# ------------------------------------------------------------------ actors


def test_mastodon_person_fields_keys_and_emoji() -> None:
    actor = parsed("mastodon.example/users/alice.json")
    assert actor.id == "https://mastodon.example/users/alice"
    assert actor.preferred_username == "alice"
    assert actor.shared_inbox == "https://mastodon.example/inbox"
    assert actor.featured == "https://mastodon.example/users/alice/collections/featured"
    assert actor.discoverable is True and actor.indexable is False
    assert actor.public_key is not None
    assert actor.public_key.id == "https://mastodon.example/users/alice#main-key"
    assert actor.public_key.owner == actor.id
    assert actor.public_key.pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert [f.name for f in actor.fields] == ["School", "Lesson plans"]
    assert 'href="https://teach.example/alice"' in actor.fields[1].value
    assert 'rel="nofollow noopener noreferrer"' in actor.fields[1].value
    assert actor.emojis[0].shortcode == "chalk"
    assert actor.icon_url is not None and actor.icon_url.endswith("5a1f.png")
    assert actor.published == datetime(2022, 11, 3, tzinfo=UTC)
    assert actor.moderators is None


def test_instance_actor_is_a_bot_application() -> None:
    actor = parsed("mastodon.example/actor.json")
    assert actor.type == "Application"
    assert actor.is_bot
    assert actor.manually_approves_followers is True
    assert actor.followers is None


def test_lemmy_group_exposes_moderators_and_posting_restriction() -> None:
    group = parsed("lemmy.example/c/biology.json")
    assert group.moderators == "https://lemmy.example/c/biology/moderators"
    assert group.posting_restricted_to_mods is False
    assert group.followers == "https://lemmy.example/c/biology/followers"
    assert group.summary.startswith("<p>Lesson ideas")


def test_lemmy_person_has_no_followers_collection() -> None:
    person = parsed("lemmy.example/u/maria.json")
    assert person.followers is None
    assert person.name == "Maria González"
    assert "<strong>microscope</strong>" in person.summary


def test_misskey_person_reads_sharedinbox_and_ignores_misskey_summary() -> None:
    actor = parsed("misskey.example/users/9k2xq7a3bc.json")
    assert actor.shared_inbox == "https://misskey.example/inbox"
    assert actor.summary == "<p><span>Maths teacher. Fractions are friends.</span></p>"
    assert actor.image_url is None


def test_gts_person_without_endpoints_and_with_non_fragment_key() -> None:
    actor = parsed("gts.example/users/turtle.json")
    assert actor.shared_inbox is None
    assert actor.manually_approves_followers is True
    assert actor.key_by_id("https://gts.example/users/turtle/main-key") is not None


def test_gts_key_stub_is_no_actor_but_yields_its_key() -> None:
    doc = load("gts.example/users/turtle/main-key.json")
    assert isinstance(parse_actor(doc), ParseError)
    key = parse_key(doc, "https://gts.example/users/turtle/main-key")
    assert not isinstance(key, ParseError)
    assert key.owner == "https://gts.example/users/turtle"


def test_parse_key_accepts_a_bare_key_document_and_refuses_a_different_id() -> None:
    actor = load("mastodon.example/users/alice.json")
    bare = dict(actor["publicKey"], type="CryptographicKey")
    key = parse_key(bare, "https://mastodon.example/users/alice#main-key")
    assert not isinstance(key, ParseError)
    assert isinstance(parse_key(bare, "https://mastodon.example/users/alice#other"), ParseError)
    assert isinstance(parse_key(actor, "https://mastodon.example/users/bob#main-key"), ParseError)


def test_fedify_person_has_multikeys_next_to_its_rsa_key() -> None:
    actor = parsed("fedify.example/users/ada.json")
    assert [k.id for k in actor.multikeys] == [
        "https://fedify.example/users/ada#multikey-1",
        "https://fedify.example/users/ada#multikey-2",
    ]
    assert actor.multikeys[1].public_key_multibase.startswith("z6Mk")
    assert actor.public_key is not None
    assert actor.indexable is True


def test_mobilizon_group_without_moderators_collection() -> None:
    group = parsed("mobilizon.example/@science_fair.json")
    assert group.type == "Group"
    assert group.moderators is None
    assert group.shared_inbox == "https://mobilizon.example/inbox"


def test_akkoma_person_field_value_is_sanitised_html() -> None:
    actor = parsed("akkoma.example/users/beatrix.json")
    assert actor.fields[0].value == "History &amp; Civics"
    assert actor.also_known_as == ()


# ------------------------------------------------------------------ objects


def test_mastodon_note_spot_checks() -> None:
    note = parsed("mastodon.example/users/alice/statuses/113456789012345678.json")
    assert note.attributed_to == "https://mastodon.example/users/alice"
    assert note.language == "en"
    assert note.is_public
    assert note.url == "https://mastodon.example/@alice/113456789012345678"
    assert note.mentions == (Mention("https://lemmy.example/u/maria", "@maria@lemmy.example"),)
    assert note.hashtags == (Hashtag("ScienceEd", "https://mastodon.example/tags/scienceed"),)
    assert note.emojis[0].shortcode == "chalk"
    media = note.attachments[0]
    assert (media.width, media.height, media.focal_point) == (1200, 900, (0.0, -0.25))
    assert media.blurhash is not None and media.name is not None
    assert note.context == "https://mastodon.example/contexts/113456789012345678-9876543"
    assert note.conversation is not None and note.conversation.startswith("tag:")
    assert note.summary is None
    assert 'class="h-card"' in note.content


def test_mastodon_question_poll() -> None:
    question = parsed("mastodon.example/users/alice/statuses/113456789012399999.json")
    assert question.poll is not None
    assert question.poll.multiple is False
    assert [(o.name, o.votes) for o in question.poll.options] == [
        ("Lemon battery", 9),
        ("Density tower", 5),
    ]
    assert question.poll.voters_count == 14
    assert question.poll.end_time == datetime(2024, 10, 17, 7, tzinfo=UTC)
    assert question.poll.closed is False


def test_misskey_question_is_multiple_choice() -> None:
    question = parsed("misskey.example/notes/9k5b6c7d8e.json")
    assert question.poll is not None and question.poll.multiple is True
    assert len(question.poll.options) == 3


def test_lemmy_page_title_language_audience_and_link_attachment() -> None:
    page = parsed("lemmy.example/post/4242.json")
    assert page.name == "Cheap microscope slides from onion skin"
    assert page.language == "en"
    assert page.audience == ("https://lemmy.example/c/biology",)
    assert page.attachments[0].type == "Link"
    assert page.attachments[0].url.endswith("onion-cells.jpeg")
    assert page.image_url is not None
    assert page.to == ("https://lemmy.example/c/biology", PUBLIC)


def test_lemmy_comment_reply_and_updated() -> None:
    comment = parsed("lemmy.example/comment/9911.json")
    assert comment.in_reply_to == "https://lemmy.example/post/4242"
    assert comment.updated is not None and comment.updated > comment.published
    assert comment.mentions[0].href == "https://mastodon.example/users/alice"


def test_misskey_note_cw_quote_and_sensitive_media() -> None:
    note = parsed("misskey.example/notes/9k3a1b2c3d.json")
    assert note.summary == "Homework answers"
    assert note.sensitive is True
    assert note.quote == "https://mastodon.example/users/alice/statuses/113456789012345678"
    assert "$[spin" not in note.content  # MFM source never becomes the HTML
    assert note.attachments[0].media_type == "image/webp"


def test_gts_note_single_valued_to_cc_and_tag() -> None:
    note = parsed("gts.example/users/turtle/statuses/01HQ7Z2K3M4N5P6Q7R8S9T0V1W.json")
    assert note.to == (PUBLIC,)
    assert note.cc == ("https://gts.example/users/turtle/followers",)
    assert note.hashtags == (Hashtag("ArtClass", "https://gts.example/tags/artclass"),)
    assert note.summary is None  # "" means no content warning
    assert note.language == "en"


def test_fedify_note_url_link_and_single_attachment() -> None:
    note = parsed("fedify.example/users/ada/posts/0193a7c2-5d4e-7f60-8a91-b2c3d4e5f607.json")
    assert note.url == "https://fedify.example/@ada/0193a7c2-5d4e-7f60-8a91-b2c3d4e5f607"
    assert len(note.attachments) == 1
    assert note.attachments[0].type == "Image"
    assert note.attachments[0].name == "A small wheeled robot on a black tape line"


def test_mobilizon_event_fields() -> None:
    event = parsed("mobilizon.example/events/4b1c2d3e-5f60-4718-89ab-cdef01234567.json")
    assert event.event is not None
    assert event.event.start_time == datetime(2025, 3, 22, 9, tzinfo=UTC)
    assert event.event.end_time == datetime(2025, 3, 22, 16, tzinfo=UTC)
    assert event.event.location_name == "Riverside Community Hall"
    assert event.event.timezone == "Europe/London"
    assert event.event.join_mode == "free"
    assert event.event.status == "CONFIRMED"
    assert event.attributed_to == "https://mobilizon.example/@science_fair"
    assert event.language == "en"
    assert event.name == "Spring Science Fair 2025"


# ------------------------------------------------------------------ activities


def test_create_embeds_the_parsed_note() -> None:
    create = parsed("mastodon.example/users/alice/statuses/113456789012345678/activity.json")
    assert isinstance(create.object, Object)
    assert create.object_id == "https://mastodon.example/users/alice/statuses/113456789012345678"
    assert create.actor == "https://mastodon.example/users/alice"


def test_lemmy_announce_wraps_create_wraps_page() -> None:
    announce = parsed(
        "lemmy.example/activities/announce/create/a1b2c3d4-e5f6-4789-9abc-def012345678.json"
    )
    assert announce.actor == "https://lemmy.example/c/biology"
    assert announce.cc == ("https://lemmy.example/c/biology/followers",)
    inner = announce.object
    assert isinstance(inner, Activity) and inner.type == "Create"
    assert inner.actor == "https://lemmy.example/u/maria"
    assert isinstance(inner.object, Object) and inner.object.type == "Page"
    assert inner.audience == ("https://lemmy.example/c/biology",)


def test_accept_embeds_our_follow() -> None:
    accept = parsed("mastodon.example/users/alice/accepts-follows-4021.json")
    follow = accept.object
    assert isinstance(follow, Activity) and follow.type == "Follow"
    assert follow.actor == "https://commonroom.example/users/bob"
    assert follow.object == "https://mastodon.example/users/alice"


def test_undo_follow_keeps_the_original_id() -> None:
    undo = parsed("mastodon.example/users/alice/follows-3312-undo.json")
    assert undo.object_id == "https://mastodon.example/0c4f6a2e-3b1d-4e8a-9f27-6d1c2b3a4e5f"


def test_delete_carries_a_tombstone() -> None:
    delete = parsed("mastodon.example/users/alice/statuses/113456789012345678-delete.json")
    assert isinstance(delete.object, Tombstone)
    assert delete.object_id == "https://mastodon.example/users/alice/statuses/113456789012345678"


def test_update_carries_the_parsed_actor() -> None:
    update = parsed("mastodon.example/users/alice/updates-1728900000.json")
    assert isinstance(update.object, Actor)
    assert update.object.name == "Alice Nakamura (she/her)"


def test_flag_lists_every_reported_object_and_the_comment() -> None:
    flag = parsed("mastodon.example/8d1f2c3b-5a6e-4f70-9b8c-1d2e3f405162.json")
    assert flag.object_ids == (
        "https://commonroom.example/users/spammer",
        "https://commonroom.example/posts/01JAB6SPAM0000000000000000",
    )
    assert flag.content == "Spam links in replies to a student account."
    assert flag.to == ("https://commonroom.example/users/spammer",)


def test_move_has_a_target() -> None:
    move = parsed("mastodon.example/users/alice/moves-12.json")
    assert move.target == "https://newschool.example/users/alice"


def test_misskey_like_carries_the_reaction_and_its_emoji() -> None:
    like = parsed("misskey.example/likes/9k4f5g6h7i.json")
    assert like.content == ":abacus:"
    assert isinstance(like.tags[0], Emoji)


def test_akkoma_emoji_react_becomes_a_like_with_content() -> None:
    react = parsed("akkoma.example/activities/2b3c4d5e-6f70-4819-8a2b-3c4d5e6f7a8b.json")
    assert react.type == "Like"
    assert react.content == ":blobcatteach:"
    assert react.cc == (PUBLIC,)


def test_akkoma_direct_message_falls_back_to_no_language_and_is_not_public() -> None:
    create = parsed("akkoma.example/activities/1a2b3c4d-5e6f-4708-9a1b-2c3d4e5f6a7b.json")
    note = create.object
    assert isinstance(note, Object)
    assert not note.is_public
    assert note.sensitive is False  # `sensitive: null`
    assert note.to == ("https://commonroom.example/users/bob",)
    assert note.language is None


def test_mobilizon_join_is_accepted_as_a_type() -> None:
    join = parsed("mobilizon.example/join/event/7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f.json")
    assert join.object == "https://commonroom.example/events/01JAB7EVENT000000000000000"


def test_mastodon_pin_without_id_is_refused() -> None:
    result = parsed("mastodon.example/users/alice/collections/featured-add.json")
    assert result == ParseError("Add has no id")


# ------------------------------------------------------------------ ParseError branches


def minimal_note(**extra: Any) -> dict[str, Any]:
    return {
        "id": "https://peer.example/notes/1",
        "type": "Note",
        "attributedTo": "https://peer.example/users/a",
        "content": "<p>hi</p>",
        **extra,
    }


def minimal_create(obj: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "https://peer.example/activities/1",
        "type": "Create",
        "actor": "https://peer.example/users/a",
        "object": minimal_note() if obj is None else obj,
        **extra,
    }


def activity(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "https://p.example/1",
        "type": "Like",
        "actor": "https://p.example/a",
        "object": "https://q.example/n/1",
    }
    doc.update(fields)
    return {key: value for key, value in doc.items() if value is not None}


@pytest.mark.parametrize(
    ("doc", "reason_part"),
    [
        (activity(id=None), "no id"),
        (activity(id="ftp://p.example/1"), "no id"),
        (activity(actor=None), "no actor"),
        (activity(actor=["not a url"]), "no actor"),
        (activity(object=None), "no object"),
        (activity(type=None), "no type"),
        (activity(type="Move", object="https://p.example/a"), "no target"),
        (activity(object="javascript:alert(1)"), "http"),
    ],
)
def test_activity_missing_meaning_is_a_parse_error(doc: dict[str, Any], reason_part: str) -> None:
    result = parse_activity(doc)
    assert isinstance(result, ParseError)
    assert reason_part in result.reason


def test_non_object_input_is_a_parse_error_not_an_exception() -> None:
    assert isinstance(parse_activity([1, 2]), ParseError)  # type: ignore[arg-type]
    assert isinstance(parse_object("nope"), ParseError)  # type: ignore[arg-type]
    assert isinstance(parse_actor(None), ParseError)  # type: ignore[arg-type]


def test_create_with_a_broken_object_is_a_parse_error() -> None:
    doc = minimal_create(obj={"id": "https://peer.example/notes/1", "type": "Note"})
    result = parse_activity(doc)
    assert isinstance(result, ParseError)
    assert "attributedTo" in result.reason


def test_actor_without_inbox_or_username_is_refused() -> None:
    actor = load("mastodon.example/users/alice.json")
    for key in ("inbox", "preferredUsername", "id"):
        broken = {k: v for k, v in actor.items() if k != key}
        assert isinstance(parse_actor(broken), ParseError), key
    assert isinstance(parse_actor(minimal_note()), ParseError)


def test_absurd_recipient_lists_are_refused() -> None:
    many = [f"https://peer.example/users/{n}" for n in range(1001)]
    assert isinstance(parse_activity(minimal_create(to=many)), ParseError)
    assert isinstance(parse_object(minimal_note(cc=many)), ParseError)


# ------------------------------------------------------------------ UnknownType


def test_unknown_activity_type_is_distinct_from_an_error() -> None:
    assert parse_activity(activity(type="QuoteRequest")) == UnknownType("QuoteRequest")


def test_create_of_an_unknown_object_type_is_unknown() -> None:
    chat = {
        "id": "https://p.example/c/1",
        "type": "ChatMessage",
        "attributedTo": "https://p.example/a",
    }
    assert parse_activity(minimal_create(obj=chat)) == UnknownType("Create/ChatMessage")


def test_undo_of_an_unknown_activity_keeps_the_reference() -> None:
    doc = {
        "id": "https://p.example/undo/1",
        "type": "Undo",
        "actor": "https://p.example/a",
        "object": {
            "id": "https://p.example/dislike/1",
            "type": "Dislike",
            "actor": "https://p.example/a",
        },
    }
    result = parse_activity(doc)
    assert isinstance(result, Activity)
    assert result.object == "https://p.example/dislike/1"


def test_an_unusable_embedded_actor_in_a_follow_degrades_to_its_reference() -> None:
    stub = {"id": "https://q.example/users/b", "type": "Person"}
    result = parse_activity(activity(type="Follow", object=stub))
    assert isinstance(result, Activity)
    assert result.object == "https://q.example/users/b"


def test_an_unusable_embedded_object_without_id_is_a_parse_error() -> None:
    result = parse_activity(activity(type="Announce", object={"type": "Note"}))
    assert isinstance(result, ParseError)


def test_unknown_object_type_from_parse_object() -> None:
    assert parse_object({"id": "https://p.example/x", "type": "Tag"}) == UnknownType("Tag")


# ------------------------------------------------------------------ depth guard


def nested_announces(levels: int) -> dict[str, Any]:
    doc: dict[str, Any] = minimal_note()
    for n in range(levels):
        doc = {
            "id": f"https://peer.example/announce/{n}",
            "type": "Announce",
            "actor": "https://peer.example/users/a",
            "object": doc,
        }
    return doc


def test_reasonable_nesting_parses() -> None:
    assert isinstance(parse_activity(nested_announces(4)), Activity)


def test_nesting_deeper_than_the_limit_is_a_parse_error() -> None:
    result = parse_activity(nested_announces(8))
    assert isinstance(result, ParseError)
    assert "nested" in result.reason


def test_very_deep_nesting_does_not_recurse_unbounded() -> None:
    result = parse_activity(nested_announces(5000))
    assert isinstance(result, ParseError)


# ------------------------------------------------------------------ lenient shapes


def test_type_given_as_a_list() -> None:
    result = parse_object(minimal_note(type=["Note"]))
    assert isinstance(result, Object) and result.type == "Note"


def test_attributed_to_as_a_list_of_objects_takes_the_first_actor() -> None:
    result = parse_object(
        minimal_note(
            attributedTo=[
                {"type": "Person", "id": "https://peer.example/users/b"},
                {"type": "Group", "id": "https://peer.example/c/g"},
            ]
        )
    )
    assert isinstance(result, Object)
    assert result.attributed_to == "https://peer.example/users/b"


def test_url_as_a_list_of_links_prefers_html() -> None:
    result = parse_object(
        minimal_note(
            url=[
                {"type": "Link", "mediaType": "video/mp4", "href": "https://peer.example/v.mp4"},
                {"type": "Link", "mediaType": "text/html", "href": "https://peer.example/w/1"},
            ]
        )
    )
    assert isinstance(result, Object) and result.url == "https://peer.example/w/1"


def test_icon_as_a_list() -> None:
    actor = load("mastodon.example/users/alice.json")
    actor["icon"] = [{"type": "Image", "url": "https://peer.example/a.png"}, {"type": "Image"}]
    result = parse_actor(actor)
    assert isinstance(result, Actor) and result.icon_url == "https://peer.example/a.png"


def test_public_aliases_normalise_to_one_spelling() -> None:
    result = parse_object(minimal_note(to=["as:Public"], cc="Public"))
    assert isinstance(result, Object)
    assert result.to == (PUBLIC,) and result.cc == (PUBLIC,)


def test_bto_and_bcc_are_dropped() -> None:
    secret = "https://peer.example/users/secret"
    result = parse_activity(minimal_create(bto=[secret], bcc=secret))
    assert isinstance(result, Activity)
    assert secret not in repr(result)


def test_content_map_only_gives_content_and_language() -> None:
    doc = minimal_note(contentMap={"fr": "<p>bonjour</p>"})
    del doc["content"]
    result = parse_object(doc)
    assert isinstance(result, Object)
    assert (result.content, result.language) == ("<p>bonjour</p>", "fr")


@pytest.mark.parametrize(
    ("content_map", "language"),
    [({"pt-BR": "<p>x</p>"}, "pt-BR"), ({"und": "<p>x</p>"}, None), ({"<b>": "<p>x</p>"}, None)],
)
def test_language_comes_from_a_well_formed_content_map_key(
    content_map: dict[str, str], language: str | None
) -> None:
    result = parse_object(minimal_note(content="<p>x</p>", contentMap=content_map))
    assert isinstance(result, Object) and result.language == language


def test_markdown_source_fallback_is_escaped_not_rendered() -> None:
    doc = minimal_note(source={"content": "a <b>bold</b> claim", "mediaType": "text/markdown"})
    del doc["content"]
    result = parse_object(doc)
    assert isinstance(result, Object)
    assert result.content == "<p>a &lt;b&gt;bold&lt;/b&gt; claim</p>"


def test_misskey_content_fallback_when_content_is_missing() -> None:
    doc = minimal_note(_misskey_content="line one\nline two")
    del doc["content"]
    result = parse_object(doc)
    assert isinstance(result, Object) and result.content == "<p>line one<br>line two</p>"


def test_remote_content_is_sanitised() -> None:
    result = parse_object(minimal_note(content='<p onclick="x()">hi<script>steal()</script></p>'))
    assert isinstance(result, Object) and result.content == "<p>hi</p>"


def test_bare_media_object_becomes_a_post_with_its_media() -> None:
    doc = {
        "id": "https://peer.example/videos/1",
        "type": "Video",
        "attributedTo": "https://peer.example/users/a",
        "name": "Titration demo",
        "url": [
            {"type": "Link", "mediaType": "text/html", "href": "https://peer.example/w/1"},
            {"type": "Link", "mediaType": "video/mp4", "href": "https://peer.example/1.mp4"},
        ],
    }
    result = parse_object(doc)
    assert isinstance(result, Object)
    assert result.url == "https://peer.example/w/1"
    assert [(a.type, a.url) for a in result.attachments] == [
        ("Video", "https://peer.example/1.mp4")
    ]


def test_tag_entries_without_meaning_are_skipped() -> None:
    tags = [
        {"type": "Mention", "name": "@who"},
        {"type": "Hashtag"},
        {"type": "Emoji", "name": ":x:"},
        "junk",
    ]
    result = parse_object(minimal_note(tag=tags))
    assert isinstance(result, Object) and result.tags == ()


def test_lenient_parsing_does_not_mutate_the_input() -> None:
    doc = load("lemmy.example/activities/announce/create/a1b2c3d4-e5f6-4789-9abc-def012345678.json")
    before = copy.deepcopy(doc)
    parse_activity(doc)
    assert doc == before


# ------------------------------------------------------------------ robustness

KEYS = st.sampled_from(
    ["id", "type", "actor", "object", "to", "cc", "tag", "attachment", "url", "icon", "content",
     "contentMap", "attributedTo", "inbox", "preferredUsername", "publicKey", "oneOf", "name",
     "location", "startTime", "endpoints", "source", "target", "audience", "sensitive"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["https://p.example/x", "Note", "Create", "Person", "as:Public", "Emoji"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=300)
@given(st.dictionaries(KEYS, JSON, max_size=10))
def test_parsers_never_raise_on_arbitrary_json(doc: dict[str, Any]) -> None:
    for parser in (parse_activity, parse_object, parse_actor):
        result = parser(doc)
        assert result is not None
