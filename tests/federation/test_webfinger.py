"""WebFinger: handles, JRD parsing and rendering, host-meta, and resolution over loopback HTTP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from federation.http import FederationClient
from federation.webfinger import (
    PROP_TYPE,
    REL_SERVICE,
    Handle,
    JrdError,
    ResolveFailed,
    WebFingerResult,
    lookup,
    parse_handle,
    parse_host_meta,
    parse_jrd,
    render_host_meta,
    render_jrd,
    render_server_jrd,
    resolve_handle,
    webfinger_url,
)

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# The shape Mastodon serves (docs.joinmastodon.org/spec/webfinger).
MASTODON_JRD: dict[str, Any] = {
    "subject": "acct:Gargron@mastodon.social",
    "aliases": ["https://mastodon.social/@Gargron", "https://mastodon.social/users/Gargron"],
    "links": [
        {
            "rel": "http://webfinger.net/rel/profile-page",
            "type": "text/html",
            "href": "https://mastodon.social/@Gargron",
        },
        {"rel": "self", "type": AP, "href": "https://mastodon.social/users/Gargron"},
        {
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": "https://mastodon.social/authorize_interaction?uri={uri}",
        },
    ],
}

# Lemmy answering for a name that is both a user and a community.
LEMMY_DUAL_JRD: dict[str, Any] = {
    "subject": "acct:biology@lemmy.example",
    "links": [
        {
            "rel": "self",
            "type": AP,
            "href": "https://lemmy.example/c/biology",
            "properties": {PROP_TYPE: "Group"},
        },
        {
            "rel": "self",
            "type": AP,
            "href": "https://lemmy.example/u/biology",
            "properties": {PROP_TYPE: "Person"},
        },
    ],
}

usernames = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}", fullmatch=True)
hosts = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,3}(:[1-9][0-9]{0,3})?", fullmatch=True)


# --------------------------------------------------------------------------------- handles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice@school.example", Handle("alice", "school.example")),
        ("alice@school.example", Handle("alice", "school.example")),
        ("acct:alice@school.example", Handle("alice", "school.example")),
        ("ACCT:alice@School.Example", Handle("alice", "school.example")),
        ("  @alice@school.example\n", Handle("alice", "school.example")),
        ("!biology@lemmy.example", Handle("biology", "lemmy.example", group=True)),
        ("Ms_Smith.Room-4@school.example", Handle("Ms_Smith.Room-4", "school.example")),
        ("alice@127.0.0.1:8081", Handle("alice", "127.0.0.1:8081")),
        ("acct:al%69ce@school.example", Handle("alice", "school.example")),
        ("élève@école.example", Handle("élève", "xn--cole-9oa.example")),
    ],
)
def test_every_handle_form_is_parsed(text: str, expected: Handle) -> None:
    assert parse_handle(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "@",
        "alice",
        "@alice",
        "alice@",
        "@alice@",
        "a@b@c.example",
        "al ice@school.example",
        "alice@school.example/path",
        "alice@school.example?x=1",
        "alice@-school.example",
        "alice@school.example.",
        "alice@school..example",
        "alice@sch_ool.example",
        "alice@school.example:http",
        "alice@school.example:123456",
        "alice@[::1]",
        "a" * 129 + "@school.example",
        "https://school.example/users/alice",
    ],
)
def test_malformed_handles_are_rejected(text: str) -> None:
    assert parse_handle(text) is None


@given(username=usernames, host=hosts)
def test_a_handle_survives_every_spelling(username: str, host: str) -> None:
    handle = Handle(username, host)

    assert parse_handle(f"@{username}@{host}") == handle
    assert parse_handle(handle.acct) == handle
    assert parse_handle(f"!{username}@{host}") == Handle(username, host, group=True)


def test_the_webfinger_url_uses_https_and_the_acct_resource() -> None:
    url = webfinger_url(Handle("alice", "school.example"))

    assert url == "https://school.example/.well-known/webfinger?resource=acct:alice@school.example"


def test_the_webfinger_url_keeps_the_port_and_encodes_odd_characters() -> None:
    url = webfinger_url(Handle("a+b", "127.0.0.1:8081"), "http")

    assert url == "http://127.0.0.1:8081/.well-known/webfinger?resource=acct:a%2Bb@127.0.0.1:8081"


# ------------------------------------------------------------------------------- parse_jrd


def test_a_mastodon_jrd_gives_the_actor_and_profile() -> None:
    assert parse_jrd(MASTODON_JRD) == WebFingerResult(
        "acct:Gargron@mastodon.social",
        "https://mastodon.social/users/Gargron",
        "https://mastodon.social/@Gargron",
    )


@pytest.mark.parametrize(
    ("want", "actor"),
    [
        ("Group", "https://lemmy.example/c/biology"),
        ("Person", "https://lemmy.example/u/biology"),
        (None, "https://lemmy.example/u/biology"),
    ],
)
def test_typed_self_links_are_told_apart(want: Any, actor: str) -> None:
    result = parse_jrd(LEMMY_DUAL_JRD, want=want)

    assert isinstance(result, WebFingerResult)
    assert result.actor_url == actor


def test_an_untyped_self_link_matches_any_wanted_type() -> None:
    result = parse_jrd(MASTODON_JRD, want="Group")

    assert isinstance(result, WebFingerResult)
    assert result.actor_url == "https://mastodon.social/users/Gargron"


def test_a_wanted_type_that_is_not_offered_is_an_error() -> None:
    person_only = {**LEMMY_DUAL_JRD, "links": LEMMY_DUAL_JRD["links"][1:]}

    assert parse_jrd(person_only, want="Group") == JrdError("no ActivityPub self link for a Group")


def test_a_self_link_with_the_ld_json_profile_counts() -> None:
    doc = {
        "subject": "acct:a@b.example",
        "links": [{"rel": "self", "type": LD, "href": "https://b.example/a"}],
    }

    assert parse_jrd(doc) == WebFingerResult("acct:a@b.example", "https://b.example/a", None)


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"links": MASTODON_JRD["links"]}, "missing subject"),
        ({"subject": "", "links": MASTODON_JRD["links"]}, "missing subject"),
        ({"subject": 7, "links": MASTODON_JRD["links"]}, "missing subject"),
        ({"subject": "acct:a@b"}, "no ActivityPub self link"),
        ({"subject": "acct:a@b", "links": "self"}, "no ActivityPub self link"),
        ({"subject": "acct:a@b", "links": ["self", 3, None]}, "no ActivityPub self link"),
        (
            {
                "subject": "acct:a@b",
                "links": [{"rel": "self", "type": "text/html", "href": "https://b/a"}],
            },
            "no ActivityPub self link",
        ),
        (
            {
                "subject": "acct:a@b",
                "links": [{"rel": "self", "type": "application/json", "href": "https://b/a"}],
            },
            "no ActivityPub self link",
        ),
        (
            {"subject": "acct:a@b", "links": [{"rel": "self", "type": AP}]},
            "no ActivityPub self link",
        ),
        (
            {"subject": "acct:a@b", "links": [{"rel": "self", "type": AP, "href": "javascript:x"}]},
            "no ActivityPub self link",
        ),
        (
            {
                "subject": "acct:a@b",
                "links": [{"rel": "alternate", "type": AP, "href": "https://b/a"}],
            },
            "no ActivityPub self link",
        ),
    ],
)
def test_unusable_jrds_are_errors(doc: dict[str, Any], reason: str) -> None:
    assert parse_jrd(doc) == JrdError(reason)


def test_a_profile_page_that_is_not_a_web_url_is_ignored() -> None:
    doc = {
        "subject": "acct:a@b.example",
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "href": "javascript:alert(1)"},
            {"rel": "self", "type": AP, "href": "https://b.example/a", "properties": "odd"},
        ],
    }

    assert parse_jrd(doc) == WebFingerResult("acct:a@b.example", "https://b.example/a", None)


# ------------------------------------------------------------------------------ render_jrd


def test_a_person_jrd_has_mastodons_shape_and_a_type_property() -> None:
    jrd = render_jrd(
        "acct:alice@school.example",
        "https://school.example/users/alice",
        "https://school.example/@alice",
        actor_type="Person",
        subscribe_template="https://school.example/authorize_interaction?uri={uri}",
    )

    assert jrd == {
        "subject": "acct:alice@school.example",
        "aliases": ["https://school.example/@alice", "https://school.example/users/alice"],
        "links": [
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": "https://school.example/@alice",
            },
            {
                "rel": "self",
                "type": AP,
                "href": "https://school.example/users/alice",
                "properties": {"https://www.w3.org/ns/activitystreams#type": "Person"},
            },
            {
                "rel": "http://ostatus.org/schema/1.0/subscribe",
                "template": "https://school.example/authorize_interaction?uri={uri}",
            },
        ],
    }


def test_a_jrd_without_profile_page_or_subscribe_template_omits_them() -> None:
    jrd = render_jrd(
        "acct:school.example@school.example",
        "https://school.example/actor",
        None,
        actor_type="Application",
        subscribe_template=None,
    )

    assert jrd["aliases"] == ["https://school.example/actor"]
    assert [link["rel"] for link in jrd["links"]] == ["self"]


def test_aliases_are_not_repeated_when_profile_and_actor_share_a_url() -> None:
    jrd = render_jrd(
        "acct:g@s.example",
        "https://s.example/g/x",
        "https://s.example/g/x",
        actor_type="Group",
        subscribe_template=None,
    )

    assert jrd["aliases"] == ["https://s.example/g/x"]


@given(username=usernames, host=hosts, group=st.booleans())
def test_what_we_render_parses_back_to_the_same_actor(
    username: str, host: str, group: bool
) -> None:
    handle = Handle(username, host, group)
    actor = f"https://{host}/{'groups' if group else 'users'}/{username}"
    jrd = render_jrd(
        handle.acct,
        actor,
        f"https://{host}/@{username}",
        actor_type="Group" if group else "Person",
        subscribe_template=None,
    )

    result = parse_jrd(jrd, want="Group" if group else None)

    assert result == WebFingerResult(handle.acct, actor, f"https://{host}/@{username}")


def test_the_server_actor_is_discoverable_as_fep_d556_describes() -> None:
    jrd = render_server_jrd("https://school.example", "https://school.example/actor")

    assert jrd == {
        "subject": "https://school.example/",
        "aliases": ["https://school.example/actor"],
        "links": [{"rel": REL_SERVICE, "type": AP, "href": "https://school.example/actor"}],
    }


# ------------------------------------------------------------------------------- host-meta


def test_host_meta_is_an_xrd_with_the_lrdd_template() -> None:
    xml = render_host_meta("https://school.example/")

    root = ET.fromstring(xml)
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "https://school.example/.well-known/webfinger?resource={uri}"
    assert parse_host_meta(xml) == link.get("template")


def test_host_meta_escapes_the_base_url() -> None:
    xml = render_host_meta('https://school.example/a"b&c')

    assert (
        parse_host_meta(xml) == 'https://school.example/a"b&c/.well-known/webfinger?resource={uri}'
    )


@pytest.mark.parametrize(
    "xml",
    [
        # A DTD could declare entities (billion laughs): refused before parsing.
        '<?xml version="1.0"?><!DOCTYPE XRD [<!ENTITY a "aaaa">]>'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">'
        '<Link rel="lrdd" template="https://x.example/wf?resource={uri}&a;"/></XRD>',
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="other" template="https://x/{uri}"/></XRD>',
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="https://x/wf"/></XRD>',
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="file:///{uri}"/></XRD>',
        '<XRD><Link rel="lrdd" template="https://x.example/{uri}"/></XRD>',  # no XRD namespace
        "<XRD",
        "not xml at all",
    ],
)
def test_unusable_host_meta_gives_no_template(xml: str) -> None:
    assert parse_host_meta(xml) is None


def test_comments_in_host_meta_are_fine() -> None:
    xml = (
        '<?xml version="1.0"?><!-- served by nginx --><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">'
        '<Link rel="lrdd" type="application/xrd+xml" template="https://x.example/wf?resource={uri}"/></XRD>'
    )

    assert parse_host_meta(xml) == "https://x.example/wf?resource={uri}"


# ---------------------------------------------------------------------- resolving over HTTP

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def node(routes: dict[str, Handler]) -> AsyncIterator[tuple[TestServer, FederationClient]]:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with FederationClient("commonroom-test", allow_private=True, timeout=3.0) as client:
            yield server, client
    finally:
        await server.close()


def jrd_answer(seen: list[str], links: list[dict[str, Any]] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        resource = request.query["resource"]
        seen.append(resource)
        actor = f"http://{request.host}/users/alice"
        doc = {"subject": resource, "links": links or [{"rel": "self", "type": AP, "href": actor}]}
        return web.json_response(doc, content_type="application/jrd+json")

    return handler


def status(code: int) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=code)

    return handler


async def test_a_handle_resolves_to_its_actor() -> None:
    seen: list[str] = []
    async with node({"/.well-known/webfinger": jrd_answer(seen)}) as (server, client):
        handle = Handle("alice", f"127.0.0.1:{server.port}")
        actor = await resolve_handle(client, handle, "http")

    assert actor == f"http://{handle.host}/users/alice"
    assert seen == [handle.acct]


async def test_a_404_falls_back_to_the_host_meta_template_once() -> None:
    seen: list[str] = []

    async def host_meta(request: web.Request) -> web.Response:
        return web.Response(
            text=render_host_meta(f"http://{request.host}/alt"), content_type="application/xrd+xml"
        )

    routes = {
        "/.well-known/webfinger": status(404),
        "/.well-known/host-meta": host_meta,
        "/alt/.well-known/webfinger": jrd_answer(seen),
    }
    async with node(routes) as (server, client):
        handle = Handle("alice", f"127.0.0.1:{server.port}")
        result = await lookup(client, handle, "http")

    assert isinstance(result, WebFingerResult)
    assert result.subject == handle.acct
    assert seen == [handle.acct]


async def test_a_404_without_host_meta_is_not_found() -> None:
    async with node({"/.well-known/webfinger": status(404)}) as (server, client):
        result = await resolve_handle(client, Handle("bob", f"127.0.0.1:{server.port}"), "http")

    assert isinstance(result, ResolveFailed)
    assert result.kind == "not_found"


@pytest.mark.parametrize(
    ("code", "kind"), [(410, "gone"), (500, "unavailable"), (403, "unavailable")]
)
async def test_webfinger_errors_become_typed_failures(code: int, kind: str) -> None:
    async with node({"/.well-known/webfinger": status(code)}) as (server, client):
        result = await resolve_handle(client, Handle("bob", f"127.0.0.1:{server.port}"), "http")

    assert isinstance(result, ResolveFailed)
    assert result.kind == kind


async def test_a_jrd_without_an_actor_link_is_invalid() -> None:
    links = [{"rel": "http://webfinger.net/rel/profile-page", "href": "https://x.example/@a"}]
    async with node({"/.well-known/webfinger": jrd_answer([], links)}) as (server, client):
        result = await resolve_handle(client, Handle("a", f"127.0.0.1:{server.port}"), "http")

    assert result == ResolveFailed("invalid", "no ActivityPub self link")


async def test_a_group_handle_picks_the_group_link() -> None:
    async with node({"/.well-known/webfinger": jrd_answer([], LEMMY_DUAL_JRD["links"])}) as (
        server,
        client,
    ):
        group = await resolve_handle(
            client, Handle("biology", f"127.0.0.1:{server.port}", True), "http"
        )
        person = await resolve_handle(client, Handle("biology", f"127.0.0.1:{server.port}"), "http")

    assert group == "https://lemmy.example/c/biology"
    assert person == "https://lemmy.example/u/biology"


async def test_resolving_a_private_host_outside_loopback_mode_is_refused() -> None:
    async with FederationClient("commonroom-test") as client:
        result = await resolve_handle(client, Handle("alice", "127.0.0.1"))

    assert isinstance(result, ResolveFailed)
    assert result.kind == "refused"
