"""federation.vocab: media types, shape helpers, hosts, inbound visibility."""

from __future__ import annotations

import pytest

from federation.vocab import (
    ACCEPT_HEADER,
    AP_CONTENT_TYPE,
    LD_CONTENT_TYPE,
    PUBLIC,
    as_list,
    get_id,
    host_of,
    is_ap_media_type,
    is_public,
    visibility_of,
)


@pytest.mark.parametrize(
    "content_type",
    [
        AP_CONTENT_TYPE,
        "application/activity+json; charset=utf-8",
        "Application/Activity+JSON",
        LD_CONTENT_TYPE,
        "application/ld+json;profile=https://www.w3.org/ns/activitystreams",
        'application/ld+json; charset=utf-8; profile="https://www.w3.org/ns/activitystreams https://example.org/x"',
    ],
)
def test_activitypub_media_types_are_accepted(content_type: str) -> None:
    assert is_ap_media_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/ld+json",
        'application/ld+json; profile="https://example.org/other"',
        "text/html",
        "",
    ],
)
def test_other_media_types_are_refused(content_type: str) -> None:
    assert not is_ap_media_type(content_type)


def test_accept_header_names_both_types() -> None:
    assert all(is_ap_media_type(part) for part in ACCEPT_HEADER.split(", "))


def test_public_has_three_spellings() -> None:
    assert all(map(is_public, [PUBLIC, "as:Public", "Public"]))
    assert not is_public("https://example.org/followers")


def test_as_list_shapes() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]
    assert as_list({"id": "x"}) == [{"id": "x"}]


def test_get_id_shapes() -> None:
    assert get_id("https://a.example/1") == "https://a.example/1"
    assert get_id({"id": "https://a.example/1", "type": "Note"}) == "https://a.example/1"
    assert get_id({"type": "Note"}) is None
    assert get_id("") is None
    assert get_id(42) is None


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Mastodon.Example/users/a", "mastodon.example"),
        ("https://mastodon.example:443/x", "mastodon.example"),
        ("http://127.0.0.1:8080/users/a", "127.0.0.1:8080"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("not a url", ""),
        ("https://bad.example:99999/", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert host_of(url) == host


FOLLOWERS = "https://m.example/users/a/followers"
BOB = "https://s.example/users/bob"
CAROL = "https://s.example/users/carol"


@pytest.mark.parametrize(
    ("to", "cc", "mentioned", "expected"),
    [
        ([PUBLIC], [FOLLOWERS], [], "public"),
        ([FOLLOWERS], ["as:Public"], [], "unlisted"),
        ([FOLLOWERS], [BOB], [BOB], "followers"),
        ([BOB], [], [BOB], "direct"),
        ([BOB, CAROL], [], [BOB], "limited"),
    ],
)
def test_visibility_of_follows_mastodons_classifier(
    to: list[str], cc: list[str], mentioned: list[str], expected: str
) -> None:
    assert visibility_of(to, cc, FOLLOWERS, mentioned) == expected
