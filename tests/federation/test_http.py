"""FederationClient (federation.http) and its SSRF guard on live connections, against aiohttp
test servers on 127.0.0.1 only (the address rule itself: test_ssrf.py).

Most tests use loopback mode (`allow_private=True`). The guard tests instead keep the address
rule on and let exactly 127.0.0.1 through (`allowed_networks`), with a static resolver naming
the test server `public.test`: it stands in for a public host, and every other private address
- including the targets of its redirects - is still refused.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Network
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.delivery import PostOutcome
from federation.http import (
    DEFAULT_MAX_BODY,
    FederationClient,
    Fetched,
    FetchedText,
    Gone,
    NotFound,
    Refused,
    Unavailable,
)
from tests.federation.fakes import GUARDED_NAMES, StaticResolver

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
EXPECTED_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
DOC = {"id": "https://remote.example/users/alice", "type": "Person"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(routes: dict[str, Handler]) -> AsyncIterator[TestServer]:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def loopback_client(**kwargs: Any) -> FederationClient:
    kwargs.setdefault("timeout", 3.0)
    return FederationClient("commonroom-test/1.0", allow_private=True, **kwargs)


def guarded_client(**kwargs: Any) -> FederationClient:
    """Address rule on; only 127.0.0.1 allowed; plain http allowed (test servers are http)."""
    return FederationClient(
        "commonroom-test/1.0",
        allow_http=True,
        allowed_networks=[IPv4Network("127.0.0.1/32")],
        resolver=StaticResolver(GUARDED_NAMES),
        timeout=3.0,
        **kwargs,
    )


def json_handler(body: Any, content_type: str = AP, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=orjson.dumps(body),
            status=status,
            content_type=None,
            headers={"Content-Type": content_type},
        )

    return handler


def redirect_to(location: str, status: int = 302) -> Handler:
    """Redirects to `location`, with `{port}` replaced by the test server's port."""

    async def handler(request: web.Request) -> web.Response:
        target = location.replace("{port}", str(request.url.port))
        return web.Response(status=status, headers={"Location": target})

    return handler


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------- the guard on a live connection


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.2]:{port}/secret",
        "http://[::ffff:10.0.0.7]/secret",
        "http://0.0.0.0:{port}/secret",
        "http://10.0.0.7/secret",
        "http://internal.test:{port}/secret",
        "http://metadata.test/latest/meta-data/",
        "http://169.254.169.254/latest/meta-data/",
        "http://v6loop.test:{port}/secret",
    ],
)
async def test_a_redirect_from_an_allowed_host_to_a_private_address_is_refused(
    location: str,
) -> None:
    hits: list[str] = []

    async def secret(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response(DOC, content_type=AP)

    routes = {"/doc": json_handler(DOC), "/secret": secret, "/start": redirect_to(location)}
    async with serve(routes) as server, guarded_client() as client:
        direct = await client.fetch_json(f"http://public.test:{server.port}/doc", signer=None)
        redirected = await client.fetch_json(f"http://public.test:{server.port}/start", signer=None)

    assert isinstance(direct, Fetched)  # the stand-in public host itself is reachable
    assert isinstance(redirected, Refused)
    assert redirected.code == "address"
    assert hits == []


async def test_a_redirect_to_a_non_http_scheme_is_refused() -> None:
    async with (
        serve({"/start": redirect_to("file:///etc/passwd")}) as server,
        guarded_client() as client,
    ):
        got = await client.fetch_json(f"http://public.test:{server.port}/start", signer=None)

    assert isinstance(got, Refused)
    assert got.code == "scheme"


async def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    async with serve({"/doc": json_handler(DOC)}) as server, guarded_client() as client:
        got = await client.fetch_json(f"http://mixed.test:{server.port}/doc", signer=None)

    assert isinstance(got, Refused)
    assert got.code == "address"


async def test_plain_http_is_refused_outside_loopback_mode() -> None:
    hits: list[str] = []

    async def doc(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response(DOC, content_type=AP)

    async with (
        serve({"/doc": doc}) as server,
        FederationClient("ua", resolver=StaticResolver(GUARDED_NAMES)) as client,
    ):
        got = await client.fetch_json(f"http://public.test:{server.port}/doc", signer=None)
        posted = await client.post_activity(
            f"http://public.test:{server.port}/doc", b"{}", signer=RecordingSigner()
        )

    assert isinstance(got, Refused)
    assert got.code == "scheme"
    assert posted.refused
    assert hits == []


@pytest.mark.parametrize("host", ["localhost", "0x7f000001", "2130706433", "127.1", "127.0.0.1"])
async def test_every_spelling_of_loopback_is_refused_with_the_system_resolver(host: str) -> None:
    hits: list[str] = []

    async def doc(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response(DOC, content_type=AP)

    async with (
        serve({"/doc": doc}) as server,
        FederationClient("ua", allow_http=True, timeout=3.0) as client,
    ):
        got = await client.fetch_json(f"http://{host}:{server.port}/doc", signer=None)

    assert isinstance(got, Refused)
    assert hits == []


# -------------------------------------------------------------------------------- fetch_json


class RecordingSigner:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        self.calls.append((method, url, dict(headers), body))
        return {
            **headers,
            "Signature": f'keyId="https://us.example/actor#main-key",n="{len(self.calls)}"',
        }


def recording(seen: list[dict[str, str]], handler: Handler) -> Handler:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        seen.append({**request.headers, "__body__": (await request.read()).decode()})
        return await handler(request)

    return wrapper


async def test_an_activitypub_document_is_fetched_with_the_right_accept_header() -> None:
    seen: list[dict[str, str]] = []
    async with (
        serve({"/users/alice": recording(seen, json_handler(DOC))}) as server,
        loopback_client() as client,
    ):
        url = str(server.make_url("/users/alice"))
        got = await client.fetch_json(url, signer=None)

    assert got == Fetched(url, DOC, AP)
    assert seen[0]["Accept"] == EXPECTED_ACCEPT
    assert seen[0]["User-Agent"] == "commonroom-test/1.0"
    assert "Signature" not in seen[0]


async def test_ld_json_with_the_activitystreams_profile_is_accepted() -> None:
    async with serve({"/note": json_handler(DOC, LD)}) as server, loopback_client() as client:
        got = await client.fetch_json(str(server.make_url("/note")), signer=None)

    assert isinstance(got, Fetched)
    assert got.document == DOC


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/ld+json",
        'application/ld+json; profile="https://example.com/other"',
        "text/html; charset=utf-8",
        "application/octet-stream",
        "",
    ],
)
async def test_documents_without_an_activitypub_content_type_are_refused(content_type: str) -> None:
    async with (
        serve({"/upload.json": json_handler(DOC, content_type)}) as server,
        loopback_client() as client,
    ):
        got = await client.fetch_json(str(server.make_url("/upload.json")), signer=None)

    assert isinstance(got, Refused)
    assert got.code == "content_type"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, NotFound),
        (410, Gone),
        (500, Unavailable),
        (502, Unavailable),
        (503, Unavailable),
        (401, Unavailable),
        (403, Unavailable),
        (429, Unavailable),
    ],
)
async def test_error_statuses_become_typed_results(status: int, kind: type) -> None:
    async with (
        serve({"/x": json_handler({"error": "no"}, status=status)}) as server,
        loopback_client() as client,
    ):
        url = str(server.make_url("/x"))
        got = await client.fetch_json(url, signer=None)

    assert type(got) is kind
    if isinstance(got, Unavailable):
        assert got.status == status
    if isinstance(got, NotFound | Gone):
        assert got.url == url


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"a string"', b"", b'{"a":' * 2000 + b"1" + b"}" * 2000],
    ids=["broken", "array", "string", "empty", "nested-2000-deep"],
)
async def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": AP})

    async with serve({"/x": handler}) as server, loopback_client() as client:
        got = await client.fetch_json(str(server.make_url("/x")), signer=None)

    assert isinstance(got, Refused)
    assert got.code == "invalid"


async def test_a_signed_fetch_sends_the_signers_headers() -> None:
    seen: list[dict[str, str]] = []
    signer = RecordingSigner()
    async with serve({"/users/alice": recording(seen, json_handler(DOC))}) as server:
        url = str(server.make_url("/users/alice"))
        async with loopback_client() as client:
            got = await client.fetch_json(url, signer=signer)

    assert isinstance(got, Fetched)
    assert signer.calls == [
        ("GET", url, {"Accept": EXPECTED_ACCEPT, "User-Agent": "commonroom-test/1.0"}, None)
    ]
    assert seen[0]["Signature"].startswith('keyId="https://us.example/actor#main-key"')


async def test_redirects_are_followed_and_each_hop_is_signed_for_its_own_url() -> None:
    signer = RecordingSigner()
    async with (
        serve(
            {
                "/a": redirect_to("/b", 301),
                "/b": redirect_to("/c", 307),
                "/c": redirect_to("/final", 308),
                "/final": json_handler(DOC),
            }
        ) as server,
        loopback_client() as client,
    ):
        got = await client.fetch_json(str(server.make_url("/a")), signer=signer)
        hops = [str(server.make_url(path)) for path in ("/a", "/b", "/c", "/final")]

    assert isinstance(got, Fetched)
    assert got.url == hops[-1]
    assert [call[1] for call in signer.calls] == hops


async def test_more_than_three_redirects_are_refused() -> None:
    routes = {f"/{n}": redirect_to(f"/{n + 1}") for n in range(4)}
    routes["/4"] = json_handler(DOC)
    async with serve(routes) as server, loopback_client() as client:
        got = await client.fetch_json(str(server.make_url("/0")), signer=None)

    assert isinstance(got, Refused)
    assert got.code == "redirect"


async def test_a_redirect_without_location_is_unavailable() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=302)

    async with serve({"/x": handler}) as server, loopback_client() as client:
        got = await client.fetch_json(str(server.make_url("/x")), signer=None)

    assert got == Unavailable("HTTP 302 without Location", 302)


# ---------------------------------------------------------------------------------- size caps


async def test_a_streamed_body_without_content_length_is_cut_off_at_the_cap() -> None:
    sent: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP})
        response.enable_chunked_encoding()
        await response.prepare(request)
        assert response.content_length is None
        try:
            for _ in range(200):
                await response.write(b" " * 1000)
                sent.append(1000)
        except ConnectionError:
            pass  # the client hung up once it had enough: the point of the test
        return response

    async with serve({"/big": endless}) as server, loopback_client(max_body=10_000) as client:
        got = await client.fetch_json(str(server.make_url("/big")), signer=None)

    assert isinstance(got, Refused)
    assert got.code == "too_large"


async def test_a_declared_oversized_body_is_refused_before_reading() -> None:
    async with (
        serve({"/big": json_handler({"pad": "x" * 5000})}) as server,
        loopback_client(max_body=1000) as client,
    ):
        got = await client.fetch_json(str(server.make_url("/big")), signer=None)

    assert isinstance(got, Refused)
    assert got.code == "too_large"


async def test_a_compressed_body_is_capped_after_decompression() -> None:
    bomb = gzip.compress(b'{"pad": "' + b"x" * (2 * DEFAULT_MAX_BODY) + b'"}')

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Type": AP, "Content-Encoding": "gzip"})

    async with serve({"/bomb": handler}) as server, loopback_client() as client:
        got = await client.fetch_json(str(server.make_url("/bomb")), signer=None)

    assert len(bomb) < DEFAULT_MAX_BODY
    assert isinstance(got, Refused)
    assert got.code == "too_large"


async def test_a_body_of_exactly_the_cap_is_accepted() -> None:
    body = orjson.dumps(DOC)
    body += b" " * (2000 - len(body))

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": AP})

    async with serve({"/x": handler}) as server, loopback_client(max_body=2000) as client:
        got = await client.fetch_json(str(server.make_url("/x")), signer=None)

    assert isinstance(got, Fetched)


# ------------------------------------------------------------------------- timeouts, failures


@asynccontextmanager
async def slow_server(*, drip: bool) -> AsyncIterator[TestServer]:
    """A server that stalls (before headers, or mid-body) until the test is over."""
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP})
        if drip:
            await response.prepare(request)
            await response.write(b'{"id": ')
        await asyncio.wait_for(release.wait(), 10)
        return response

    async with serve({"/slow": stall}) as server:
        try:
            yield server
        finally:
            release.set()


@pytest.mark.parametrize("drip", [False, True])
async def test_a_stalled_fetch_is_unavailable_after_the_timeout(drip: bool) -> None:
    async with slow_server(drip=drip) as server, loopback_client(timeout=0.3) as client:
        got = await client.fetch_json(str(server.make_url("/slow")), signer=None)

    assert isinstance(got, Unavailable)
    assert "timed out" in got.reason


async def test_a_stalled_delivery_times_out_without_a_status() -> None:
    async with slow_server(drip=False) as server, loopback_client(timeout=0.3) as client:
        posted = await client.post_activity(
            str(server.make_url("/slow")), b"{}", signer=RecordingSigner()
        )

    assert posted.status is None
    assert posted.error is not None
    assert "timed out" in posted.error


async def test_a_refused_connection_is_unavailable() -> None:
    url = f"http://127.0.0.1:{unused_port()}/x"
    async with loopback_client() as client:
        got = await client.fetch_json(url, signer=None)
        posted = await client.post_activity(url, b"{}", signer=RecordingSigner())

    assert isinstance(got, Unavailable)
    assert got.status is None
    assert posted.status is None
    assert not posted.refused


async def test_an_unknown_name_is_unavailable() -> None:
    async with guarded_client() as client:
        got = await client.fetch_json("http://nowhere.test/x", signer=None)

    assert isinstance(got, Unavailable)


# ------------------------------------------------------------------------ WebFinger and XRD


@pytest.mark.parametrize(
    "content_type", ["application/jrd+json", "application/json; charset=utf-8"]
)
async def test_a_jrd_is_fetched_as_jrd_or_plain_json(content_type: str) -> None:
    seen: list[dict[str, str]] = []
    jrd = {"subject": "acct:alice@remote.example", "links": []}
    async with (
        serve(
            {"/.well-known/webfinger": recording(seen, json_handler(jrd, content_type))}
        ) as server,
        loopback_client() as client,
    ):
        got = await client.fetch_jrd(str(server.make_url("/.well-known/webfinger")))

    assert isinstance(got, Fetched)
    assert got.document == jrd
    assert seen[0]["Accept"] == "application/jrd+json, application/json"


async def test_a_jrd_with_a_foreign_content_type_is_refused() -> None:
    async with (
        serve({"/wf": json_handler({"subject": "x"}, "text/html")}) as server,
        loopback_client() as client,
    ):
        got = await client.fetch_jrd(str(server.make_url("/wf")))

    assert isinstance(got, Refused)
    assert got.code == "content_type"


async def test_host_meta_is_fetched_as_text() -> None:
    xml = '<?xml version="1.0"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"/>'

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=xml, content_type="application/xrd+xml")

    async with (
        serve({"/.well-known/host-meta": handler}) as server,
        loopback_client() as client,
    ):
        got = await client.fetch_xrd(str(server.make_url("/.well-known/host-meta")))
        wrong = await client.fetch_xrd(str(server.make_url("/missing")))

    assert isinstance(got, FetchedText)
    assert got.text == xml
    assert isinstance(wrong, NotFound)


async def test_host_meta_that_is_not_utf8_is_refused() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"\xff\xfe<XRD/>", headers={"Content-Type": "text/xml"})

    async with serve({"/hm": handler}) as server, loopback_client() as client:
        got = await client.fetch_xrd(str(server.make_url("/hm")))

    assert isinstance(got, Refused)
    assert got.code == "invalid"


# ---------------------------------------------------------------------------- post_activity


async def test_an_activity_is_posted_signed_with_the_activitypub_content_type() -> None:
    seen: list[dict[str, str]] = []
    signer = RecordingSigner()

    async def accepted(request: web.Request) -> web.Response:
        return web.Response(status=202)

    body = b'{"type": "Create"}'
    async with serve({"/inbox": recording(seen, accepted)}) as server:
        url = str(server.make_url("/inbox"))
        async with loopback_client() as client:
            outcome = await client.post_activity(url, body, signer=signer)

    assert outcome == PostOutcome(202)
    assert signer.calls == [
        (
            "POST",
            url,
            {"Content-Type": AP, "Accept": AP, "User-Agent": "commonroom-test/1.0"},
            body,
        )
    ]
    assert seen[0]["Content-Type"] == AP
    assert seen[0]["Signature"].startswith('keyId="')
    assert seen[0]["__body__"] == body.decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", timedelta(seconds=120)),
        ("Mon, 02 Mar 2026 13:00:00 GMT", timedelta(hours=1)),
        ("whenever", None),
    ],
)
async def test_retry_after_is_read_from_a_429(header: str, expected: timedelta | None) -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    async def limited(request: web.Request) -> web.Response:
        return web.Response(status=429, text="slow down", headers={"Retry-After": header})

    async with (
        serve({"/inbox": limited}) as server,
        loopback_client(clock=lambda: now) as client,
    ):
        outcome = await client.post_activity(
            str(server.make_url("/inbox")), b"{}", signer=RecordingSigner()
        )

    assert outcome.status == 429
    assert outcome.retry_after == (None if expected is None else now + expected)
    assert outcome.error == "HTTP 429: slow down"


async def test_an_error_answer_keeps_a_short_excerpt_for_the_admin() -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal\n\n   error " + "x" * 5000)

    async with serve({"/inbox": broken}) as server, loopback_client() as client:
        outcome = await client.post_activity(
            str(server.make_url("/inbox")), b"{}", signer=RecordingSigner()
        )

    assert outcome.status == 500
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 500: Internal error xxx")
    assert len(outcome.error) <= 220


async def test_a_redirected_post_is_not_followed() -> None:
    hits: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        hits.append(request.method)
        return web.Response(status=202)

    async with (
        serve({"/inbox": redirect_to("/other", 301), "/other": elsewhere}) as server,
        loopback_client() as client,
    ):
        outcome = await client.post_activity(
            str(server.make_url("/inbox")), b"{}", signer=RecordingSigner()
        )

    assert outcome.status == 301
    assert hits == []


async def test_a_post_to_a_forbidden_address_is_refused_before_signing() -> None:
    signer = RecordingSigner()
    async with guarded_client() as client:
        literal = await client.post_activity("http://10.0.0.7/inbox", b"{}", signer=signer)
        named = await client.post_activity("http://internal.test/inbox", b"{}", signer=signer)

    assert literal.refused
    assert literal.status is None
    assert named.refused
    assert named.status is None
    assert [call[1] for call in signer.calls] == ["http://internal.test/inbox"]


# -------------------------------------------------------------------------------- lifecycle


async def test_the_client_must_be_opened_once_before_use() -> None:
    client = loopback_client()
    with pytest.raises(RuntimeError, match="not open"):
        await client.fetch_json("http://127.0.0.1:1/x", signer=None)

    await client.open()
    with pytest.raises(RuntimeError, match="already open"):
        await client.open()
    await client.close()
    await client.close()  # closing twice is harmless
