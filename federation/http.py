"""Outbound HTTP for federation: fetch documents and deliver activities over one session.

Every request passes the SSRF guard of `federation.ssrf` (FEDERATION.md, interop brief §9.2):
the URL is checked before each request, and the names it contains are checked again, on the
addresses actually connected to, inside aiohttp's connector. Redirects are followed by hand,
at most MAX_REDIRECTS, and every hop passes the same checks. Bodies are read as a stream and cut
off at `max_body` whatever Content-Length says. A fetched document must carry the expected media
type (GHSA-jhrq-qvrm-qr36: an upload served as JSON must not pass for an ActivityPub document).

Failure is normal here, so results are typed (STYLE.md): `Fetched | NotFound | Gone |
Unavailable | Refused` for fetches, a `PostOutcome` for deliveries (judged by `delivery`).
Nothing here logs headers: they carry signatures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, Literal, Self

import aiohttp
import orjson
from aiohttp.abc import AbstractResolver
from yarl import URL

from federation.delivery import PostOutcome, parse_retry_after
from federation.ssrf import (
    AddressPolicy,
    ForbiddenAddressError,
    GuardedResolver,
    IPNetwork,
    is_forbidden_address,
)
from federation.vocab import ACCEPT_HEADER, AP_CONTENT_TYPE, is_ap_media_type

__all__ = [
    "DEFAULT_MAX_BODY",
    "MAX_REDIRECTS",
    "AddressPolicy",
    "FederationClient",
    "Fetched",
    "FetchedText",
    "Gone",
    "NotFound",
    "PostOutcome",
    "Refused",
    "Signer",
    "Unavailable",
    "check_url",
    "is_forbidden_address",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY: Final = 1024 * 1024  # Mastodon's `body_with_limit` default (§8.3)
DEFAULT_TIMEOUT: Final = 10.0
MAX_REDIRECTS: Final = 3
JRD_ACCEPT: Final = "application/jrd+json, application/json"  # Mastodon's app/lib/webfinger.rb
XRD_ACCEPT: Final = "application/xrd+xml, application/xml, text/xml"
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_JRD_TYPES: Final = frozenset({"application/jrd+json", "application/json"})
_XRD_TYPES: Final = frozenset({"application/xrd+xml", "application/xml", "text/xml"})
_CHUNK: Final = 64 * 1024
_ERROR_EXCERPT: Final = 200

# Returns the complete headers to send, signature included (`signatures.sign_request` with the
# key bound). Called positionally: (method, url, headers, body).
Signer = Callable[[str, str, dict[str, str], bytes | None], dict[str, str]]
RefusalCode = Literal[
    "url", "scheme", "address", "redirect", "content_type", "too_large", "invalid"
]


@dataclass(frozen=True, slots=True)
class Refused:
    """We would not make this request, or would not accept its answer."""

    code: RefusalCode
    reason: str


@dataclass(frozen=True, slots=True)
class NotFound:
    url: str


@dataclass(frozen=True, slots=True)
class Gone:
    """410: deleted for good (a key fetch answering 410 means the actor was deleted)."""

    url: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    """No usable answer now: timeout, connection or DNS failure, 5xx or another status."""

    reason: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A JSON object. `url` is the final URL after redirects: callers compare it and the
    document's `id` (FEP-fe34 "Fetching from an origin", interop brief §9.1)."""

    url: str
    document: dict[str, Any]
    content_type: str


@dataclass(frozen=True, slots=True)
class FetchedText:
    url: str
    text: str
    content_type: str


FetchFailure = NotFound | Gone | Unavailable | Refused


def check_url(url: str, allow_private: bool) -> Refused | None:
    """The DNS-free part of the SSRF guard; `allow_private` also allows http:// (loopback mode)."""
    return _check(AddressPolicy(allow_private=allow_private, allow_http=allow_private), url)


def _check(policy: AddressPolicy, url: str | URL) -> Refused | None:
    problem = policy.url_problem(url)
    return None if problem is None else Refused(*problem)


@dataclass(frozen=True, slots=True)
class _Body:
    url: str
    data: bytes
    content_type: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FederationClient:
    """One aiohttp ClientSession for all federation traffic, opened and closed with the app
    (`async with FederationClient(...)`, or `open()`/`close()` from a cleanup context).

    `allow_private` is the loopback test mode: any address, and http:// too. `allow_http`
    alone lifts only the scheme rule (tests that keep the address rule on a plain-http server).
    `resolver` replaces the system resolver underneath the guard (tests map names to 127.0.0.1).
    """

    def __init__(
        self,
        user_agent: str,
        *,
        allow_private: bool = False,
        allow_http: bool | None = None,
        allowed_networks: Iterable[IPNetwork] = (),
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        resolver: AbstractResolver | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.user_agent = user_agent
        self.policy = AddressPolicy(
            allow_private=allow_private,
            allow_http=allow_private if allow_http is None else allow_http,
            allowed_networks=tuple(allowed_networks),
        )
        self.timeout = timeout
        self.max_body = max_body
        self._resolver = resolver
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is not None:
            raise RuntimeError("FederationClient is already open")
        inner = self._resolver or aiohttp.ThreadedResolver()
        guard = GuardedResolver(inner, self.policy, owns_inner=self._resolver is None)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=guard),
            # Connect budget mirrors Mastodon's 5 s; `total` bounds one request, and the
            # public methods bound a whole redirect chain with the same figure.
            timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(5.0, self.timeout)),
            headers={"User-Agent": self.user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),  # no state carried between remote servers
            trust_env=False,  # a proxy from the environment would bypass the address guard
        )

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("FederationClient is not open")
        return self._session

    async def fetch_json(
        self, url: str, *, signer: Signer | None
    ) -> Fetched | NotFound | Gone | Unavailable | Refused:
        """GET an ActivityPub document (signed with the instance actor when `signer` is given,
        interop brief §4.5). Only activity+json, or ld+json with the AS2 profile, is accepted."""
        got = await self._get(url, ACCEPT_HEADER, is_ap_media_type, signer)
        return _json_object(got) if isinstance(got, _Body) else got

    async def fetch_jrd(self, url: str) -> Fetched | NotFound | Gone | Unavailable | Refused:
        """GET a WebFinger JRD (RFC 7033 §4.2: application/jrd+json; plain JSON tolerated)."""
        got = await self._get(url, JRD_ACCEPT, _media_type_in(_JRD_TYPES), None)
        return _json_object(got) if isinstance(got, _Body) else got

    async def fetch_xrd(self, url: str) -> FetchedText | NotFound | Gone | Unavailable | Refused:
        """GET an XRD document (host-meta, RFC 6415), as text."""
        got = await self._get(url, XRD_ACCEPT, _media_type_in(_XRD_TYPES), None)
        if not isinstance(got, _Body):
            return got
        try:
            return FetchedText(got.url, got.data.decode("utf-8"), got.content_type)
        except UnicodeDecodeError:
            return Refused("invalid", "XRD is not UTF-8")

    async def post_activity(self, inbox_url: str, body: bytes, *, signer: Signer) -> PostOutcome:
        """POST one activity to one inbox. Redirects are not followed (the signature names the
        path); the answer is left to `delivery.classify`."""
        refused = _check(self.policy, inbox_url)
        if refused is not None:
            return PostOutcome(None, error=refused.reason, refused=True)
        target = URL(inbox_url)
        headers = {
            "Content-Type": AP_CONTENT_TYPE,  # Mastodon's delivery header (interop brief §8.1)
            "Accept": AP_CONTENT_TYPE,
            "User-Agent": self.user_agent,
        }
        signed = signer("POST", str(target), headers, body)
        try:
            async with (
                asyncio.timeout(self.timeout),
                self.session.post(target, data=body, headers=signed, allow_redirects=False) as resp,
            ):
                outcome = await self._post_outcome(resp)
        except TimeoutError:
            outcome = PostOutcome(None, error=f"timed out after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            failure = _client_failure(exc)
            outcome = PostOutcome(None, error=failure.reason, refused=isinstance(failure, Refused))
        except ValueError:  # the IDNA codec (UnicodeError) on a name no check foresaw
            outcome = PostOutcome(None, error="invalid URL", refused=True)
        log.debug("POST %s -> %s %s", inbox_url, outcome.status, outcome.error or "")
        return outcome

    async def _post_outcome(self, resp: aiohttp.ClientResponse) -> PostOutcome:
        if 200 <= resp.status < 300:
            return PostOutcome(resp.status)
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
        excerpt = (await resp.content.read(_ERROR_EXCERPT * 4)).decode("utf-8", "replace")
        excerpt = " ".join(excerpt.split())[:_ERROR_EXCERPT]
        error = f"HTTP {resp.status}" + (f": {excerpt}" if excerpt else "")
        return PostOutcome(resp.status, retry_after=retry_after, error=error)

    async def _get(
        self,
        url: str,
        accept: str,
        media_ok: Callable[[str], bool],
        signer: Signer | None,
    ) -> _Body | FetchFailure:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, accept, media_ok, signer)
        except TimeoutError:
            return Unavailable(f"timed out after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            return _client_failure(exc)
        except ValueError:  # the IDNA codec (UnicodeError) on a name no check foresaw
            return Refused("url", "invalid URL")

    async def _follow(
        self,
        url: str,
        accept: str,
        media_ok: Callable[[str], bool],
        signer: Signer | None,
    ) -> _Body | FetchFailure:
        current: str | URL = url
        for _hop in range(MAX_REDIRECTS + 1):
            refused = _check(self.policy, current)
            if refused is not None:
                return refused
            target = current if isinstance(current, URL) else URL(current)
            headers = {"Accept": accept, "User-Agent": self.user_agent}
            if signer is not None:
                headers = signer("GET", str(target), headers, None)
            async with self.session.get(target, headers=headers, allow_redirects=False) as resp:
                if resp.status not in _REDIRECTS:
                    return await self._read(resp, media_ok)
                location = resp.headers.get("Location")
                if not location:
                    return Unavailable(f"HTTP {resp.status} without Location", resp.status)
                try:
                    current = resp.url.join(URL(location))
                except ValueError:
                    return Refused("redirect", "unparsable redirect Location")
        return Refused("redirect", f"more than {MAX_REDIRECTS} redirects")

    async def _read(
        self, resp: aiohttp.ClientResponse, media_ok: Callable[[str], bool]
    ) -> _Body | FetchFailure:
        final = str(resp.url)
        if resp.status == 404:
            return NotFound(final)
        if resp.status == 410:
            return Gone(final)
        if not 200 <= resp.status < 300:
            return Unavailable(f"HTTP {resp.status}", resp.status)
        content_type = resp.headers.get("Content-Type", "")
        if not media_ok(content_type):
            return Refused("content_type", f"unexpected Content-Type {content_type[:100]!r}")
        # Content-Length is only a hint: a chunked or lying body is cut off while streaming,
        # and the cap counts decompressed bytes, so a gzip bomb stops at the same limit.
        if resp.content_length is not None and resp.content_length > self.max_body:
            return Refused("too_large", f"body larger than {self.max_body} bytes")
        data = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            data += chunk
            if len(data) > self.max_body:
                return Refused("too_large", f"body larger than {self.max_body} bytes")
        return _Body(final, bytes(data), content_type)


def _media_type_in(allowed: frozenset[str]) -> Callable[[str], bool]:
    def check(content_type: str) -> bool:
        return content_type.partition(";")[0].strip().lower() in allowed

    return check


def _json_object(body: _Body) -> Fetched | Refused:
    try:
        document = orjson.loads(body.data)  # orjson caps nesting depth (interop brief §9.4)
    except orjson.JSONDecodeError:
        return Refused("invalid", "body is not valid JSON")
    if not isinstance(document, dict):
        return Refused("invalid", "JSON document is not an object")
    return Fetched(body.url, document, body.content_type)


def _client_failure(exc: aiohttp.ClientError) -> Unavailable | Refused:
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, ForbiddenAddressError
    ):
        return Refused("address", str(exc.os_error))
    if isinstance(exc, aiohttp.InvalidURL):
        return Refused("url", "invalid URL")
    return Unavailable(f"{type(exc).__name__}: {exc}")
