"""NodeInfo 2.0/2.1 documents and discovery, checked against the rules of the published schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.nodeinfo import (
    REL_APPLICATION,
    SOFTWARE_NAME,
    content_type,
    is_valid_software_name,
    render_nodeinfo,
    render_nodeinfo_links,
)

# The parts of nodeinfo.diaspora.software/ns/schema/2.0 and /2.1 that peers' validators enforce.
REQUIRED = {
    "version",
    "software",
    "protocols",
    "services",
    "openRegistrations",
    "usage",
    "metadata",
}
SOFTWARE_KEYS = {"2.0": {"name", "version"}, "2.1": {"name", "version", "repository", "homepage"}}
PROTOCOLS = {
    "activitypub",
    "buddycloud",
    "dfrn",
    "diaspora",
    "libertree",
    "ostatus",
    "pumpio",
    "tent",
    "xmpp",
    "zot",
}
USER_KEYS = {"total", "activeHalfyear", "activeMonth"}

counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))


def assert_schema_valid(doc: dict[str, Any], version: str) -> None:
    assert set(doc) == REQUIRED
    assert doc["version"] == version
    software = doc["software"]
    assert set(software) <= SOFTWARE_KEYS[version]
    assert re.fullmatch(r"[a-z0-9-]+", software["name"])
    assert isinstance(software["version"], str)
    assert software["version"]
    assert doc["protocols"]
    assert set(doc["protocols"]) <= PROTOCOLS
    assert doc["services"] == {"inbound": [], "outbound": []}
    assert isinstance(doc["openRegistrations"], bool)
    usage = doc["usage"]
    assert "users" in usage
    assert set(usage["users"]) <= USER_KEYS
    assert set(usage) <= {"users", "localPosts", "localComments"}
    for value in [*usage["users"].values(), *(v for k, v in usage.items() if k != "users")]:
        assert isinstance(value, int)
        assert value >= 0
    assert isinstance(doc["metadata"], dict)


def render(version: Any = "2.1", **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "software_version": "0.1.0",
        "open_registrations": False,
        "users_total": 120,
        "active_month": 40,
        "active_halfyear": 90,
        "local_posts": 1500,
        "node_name": "Lincoln High",
        "node_description": "Teachers and students of Lincoln High",
    }
    return render_nodeinfo(version, **(args | overrides))


def test_discovery_lists_both_schema_versions() -> None:
    doc = render_nodeinfo_links("https://school.example/")

    assert doc == {
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                "href": "https://school.example/nodeinfo/2.0",
            },
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": "https://school.example/nodeinfo/2.1",
            },
        ]
    }


def test_discovery_links_the_instance_actor_as_fep_2677_describes() -> None:
    doc = render_nodeinfo_links(
        "https://school.example", instance_actor_url="https://school.example/actor"
    )

    assert doc["links"][-1] == {"rel": REL_APPLICATION, "href": "https://school.example/actor"}
    assert REL_APPLICATION == "https://www.w3.org/ns/activitystreams#Application"


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_a_full_document_follows_the_schema(version: str) -> None:
    doc = render(version)

    assert_schema_valid(doc, version)
    assert doc["software"]["name"] == "commonroom"
    assert doc["protocols"] == ["activitypub"]
    assert doc["usage"] == {
        "users": {"total": 120, "activeMonth": 40, "activeHalfyear": 90},
        "localPosts": 1500,
    }


def test_the_metadata_names_the_node_and_claims_a_mastodon_upstream_for_megalodon() -> None:
    doc = render(mastodon_version="4.3.0")

    assert doc["metadata"] == {
        "nodeName": "Lincoln High",
        "nodeDescription": "Teachers and students of Lincoln High",
        "upstream": {"name": "mastodon", "version": "4.3.0"},
    }


def test_counts_left_out_are_omitted_but_users_stays() -> None:
    doc = render(users_total=None, active_month=None, active_halfyear=None, local_posts=None)

    assert doc["usage"] == {"users": {}}
    assert_schema_valid(doc, "2.1")


def test_zero_is_a_real_count_and_is_published() -> None:
    doc = render(users_total=0, local_posts=0)

    assert doc["usage"]["users"]["total"] == 0
    assert doc["usage"]["localPosts"] == 0


def test_repository_and_homepage_appear_only_in_2_1() -> None:
    extra = {
        "repository": "https://git.example/commonroom",
        "homepage": "https://commonroom.example",
    }

    newer = render("2.1", **extra)
    older = render("2.0", **extra)

    assert newer["software"] == {"name": "commonroom", "version": "0.1.0", **extra}
    assert older["software"] == {"name": "commonroom", "version": "0.1.0"}


def test_registrations_flag_is_passed_through() -> None:
    assert render(open_registrations=True)["openRegistrations"] is True
    assert render(open_registrations=False)["openRegistrations"] is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"users_total": -1}, "users_total|total"),
        ({"local_posts": -5}, "localPosts"),
        ({"software_version": ""}, "software_version"),
    ],
)
def test_impossible_values_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(**overrides)


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        render("3.0")


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_each_version_is_served_with_its_schema_profile(version: Any) -> None:
    assert content_type(version) == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    )


def test_our_software_name_satisfies_the_schema_pattern() -> None:
    assert is_valid_software_name(SOFTWARE_NAME)
    assert not is_valid_software_name("Commonroom")
    assert not is_valid_software_name("common room")
    assert not is_valid_software_name("")


@given(
    version=st.sampled_from(["2.0", "2.1"]),
    users=counts,
    month=counts,
    halfyear=counts,
    posts=counts,
    name=st.text(max_size=50),
)
def test_any_valid_input_renders_a_schema_valid_document(
    version: Any,
    users: int | None,
    month: int | None,
    halfyear: int | None,
    posts: int | None,
    name: str,
) -> None:
    doc = render(
        version,
        users_total=users,
        active_month=month,
        active_halfyear=halfyear,
        local_posts=posts,
        node_name=name,
    )

    assert_schema_valid(doc, version)
