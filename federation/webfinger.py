"""WebFinger (RFC 7033) and host-meta (RFC 6415): handles, JRD documents, and resolution.

Serving: `render_jrd` (Mastodon's shape, interop brief §1.1), `render_server_jrd` (FEP-d556
server-actor discovery) and `render_host_meta`. Resolving: `parse_handle` -> `webfinger_url` ->
`FederationClient.fetch_jrd` -> `parse_jrd`, wrapped by `lookup`/`resolve_handle`, with
Mastodon's host-meta fallback on 404 (`app/lib/webfinger.rb`). The round trip (actor
`preferredUsername` + host back to the same actor) needs the actor document and is the
caller's job (interop brief §1.2 step 4).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import quoteattr

from federation.http import (
    FederationClient,
    Fetched,
    FetchedText,
    Gone,
    NotFound,
    Refused,
    Unavailable,
)
from federation.vocab import AP_CONTENT_TYPE, ActorType, is_ap_media_type

JRD_CONTENT_TYPE: Final = "application/jrd+json"
XRD_CONTENT_TYPE: Final = "application/xrd+xml"
REL_SELF: Final = "self"
REL_PROFILE_PAGE: Final = "http://webfinger.net/rel/profile-page"
REL_SUBSCRIBE: Final = "http://ostatus.org/schema/1.0/subscribe"
REL_SERVICE: Final = "https://www.w3.org/ns/activitystreams#Service"  # FEP-d556
# PieFed and Lemmy tell a Person from a Group sharing a name with this link property.
PROP_TYPE: Final = "https://www.w3.org/ns/activitystreams#type"

_USERNAME = re.compile(r"[\w.~+-]{1,128}")  # Misskey allows 128; Lemmy/PeerTube use `_` and `.`
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::[0-9]{1,5})?")
_XRD_NS: Final = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"

FailureKind = Literal["not_found", "gone", "unavailable", "refused", "invalid"]


@dataclass(frozen=True, slots=True)
class Handle:
    """`username@host`. `group` is set for the `!group@host` form used by the threadiverse."""

    username: str
    host: str
    group: bool = False

    @property
    def acct(self) -> str:
        return f"acct:{self.username}@{self.host}"


@dataclass(frozen=True, slots=True)
class WebFingerResult:
    subject: str
    actor_url: str
    profile_url: str | None


@dataclass(frozen=True, slots=True)
class JrdError:
    reason: str


@dataclass(frozen=True, slots=True)
class ResolveFailed:
    kind: FailureKind
    reason: str


def parse_handle(text: str) -> Handle | None:
    """`@name@host`, `name@host`, `acct:name@host` or `!group@host`; None if malformed.

    The host is lower-cased (and IDNA-encoded); the username keeps its case, since servers
    match it case-insensitively themselves (interop brief §1.1).
    """
    value = text.strip()
    group = False
    if value[:5].lower() == "acct:":
        value = unquote(value[5:])  # RFC 7565 allows percent-encoding in the userpart
    if value.startswith("!"):
        group, value = True, value[1:]
    elif value.startswith("@"):
        value = value[1:]
    username, at, host = value.partition("@")
    if not at or not _USERNAME.fullmatch(username):
        return None
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if not _HOST.fullmatch(host):
        return None
    return Handle(username, host, group)


def webfinger_url(handle: Handle, scheme: Literal["https", "http"] = "https") -> str:
    """The RFC 7033 query URL. Mastodon always uses https (http only in loopback mode)."""
    return (
        f"{scheme}://{handle.host}/.well-known/webfinger?resource={quote(handle.acct, safe=':@')}"
    )


def parse_jrd(
    doc: Mapping[str, Any], *, want: Literal["Person", "Group"] | None = None
) -> WebFingerResult | JrdError:
    """The actor link of a JRD: a `self` link with an ActivityPub media type.

    Several `self` links happen when a Person and a Group share a name (Lemmy); each then
    carries `properties[PROP_TYPE]`, and `want` picks one. Untyped links match any `want`.
    A `profile-page` link, if any, gives `profile_url`.
    """
    subject = doc.get("subject")
    if not isinstance(subject, str) or not subject:
        return JrdError("missing subject")  # Mastodon: "Missing subject"
    links = [link for link in _as_links(doc.get("links")) if _is_actor_link(link)]
    if want is not None:
        links = [link for link in links if _link_type(link) in (want, None)]
    if not links:
        return JrdError("no ActivityPub self link" + (f" for a {want}" if want else ""))
    # Without `want`, a typed Person wins over other types: `@name` means a user on Lemmy.
    preferred = [link for link in links if _link_type(link) == (want or "Person")]
    actor_url = (preferred or links)[0]["href"]
    profile = next(
        (
            link["href"]
            for link in _as_links(doc.get("links"))
            if link.get("rel") == REL_PROFILE_PAGE and _is_http_url(link.get("href"))
        ),
        None,
    )
    return WebFingerResult(subject, actor_url, profile)


def render_jrd(
    subject: str,
    actor_url: str,
    profile_url: str | None,
    *,
    actor_type: ActorType,
    subscribe_template: str | None,
) -> dict[str, Any]:
    """A JRD in Mastodon's shape (docs.joinmastodon.org/spec/webfinger) plus the type property."""
    links: list[dict[str, Any]] = []
    if profile_url is not None:
        links.append({"rel": REL_PROFILE_PAGE, "type": "text/html", "href": profile_url})
    links.append(
        {
            "rel": REL_SELF,
            "type": AP_CONTENT_TYPE,
            "href": actor_url,
            "properties": {PROP_TYPE: actor_type},
        }
    )
    if subscribe_template is not None:
        links.append({"rel": REL_SUBSCRIBE, "template": subscribe_template})
    aliases = [url for url in (profile_url, actor_url) if url is not None]
    return {"subject": subject, "aliases": list(dict.fromkeys(aliases)), "links": links}


def render_server_jrd(base_url: str, actor_url: str) -> dict[str, Any]:
    """The answer to `resource=<base_url>/`: FEP-d556 server-level actor discovery."""
    return {
        "subject": base_url.rstrip("/") + "/",
        "aliases": [actor_url],
        "links": [{"rel": REL_SERVICE, "type": AP_CONTENT_TYPE, "href": actor_url}],
    }


def render_host_meta(base_url: str) -> str:
    """`/.well-known/host-meta` (RFC 6415 XRD) with the lrdd template (interop brief §1.3)."""
    template = base_url.rstrip("/") + "/.well-known/webfinger?resource={uri}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )


def parse_host_meta(text: str) -> str | None:
    """The lrdd template of a host-meta XRD, if it has a usable one.

    Documents with a DTD are rejected before parsing: with no DTD there are no entity
    declarations, so no entity-expansion bomb can reach the parser (defusedxml's approach).
    """
    if "<!" in text.replace("<!--", ""):
        return None
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTD-free, checked above
    except ET.ParseError:
        return None
    for link in root.iter(f"{_XRD_NS}Link"):
        template = link.get("template")
        usable = template and "{uri}" in template and _is_http_url(template.replace("{uri}", "x"))
        if link.get("rel") == "lrdd" and usable:
            return template
    return None


async def lookup(
    client: FederationClient, handle: Handle, scheme: Literal["https", "http"] = "https"
) -> WebFingerResult | ResolveFailed:
    """WebFinger `handle`; on 404 try the host-meta lrdd template once (Mastodon's fallback)."""
    got = await client.fetch_jrd(webfinger_url(handle, scheme))
    if isinstance(got, NotFound):
        template = await _lrdd_template(client, handle.host, scheme)
        retry = template.replace("{uri}", quote(handle.acct, safe="")) if template else None
        if retry is not None and retry != webfinger_url(handle, scheme):
            got = await client.fetch_jrd(retry)
    if not isinstance(got, Fetched):
        return _failure(got)
    result = parse_jrd(got.document, want="Group" if handle.group else None)
    if isinstance(result, JrdError):
        return ResolveFailed("invalid", result.reason)
    return result


async def resolve_handle(
    client: FederationClient, handle: Handle, scheme: Literal["https", "http"] = "https"
) -> str | ResolveFailed:
    """The actor id for `handle` (not yet round-trip checked; see the module docstring)."""
    result = await lookup(client, handle, scheme)
    return result if isinstance(result, ResolveFailed) else result.actor_url


async def _lrdd_template(client: FederationClient, host: str, scheme: str) -> str | None:
    got = await client.fetch_xrd(f"{scheme}://{host}/.well-known/host-meta")
    return parse_host_meta(got.text) if isinstance(got, FetchedText) else None


def _failure(got: NotFound | Gone | Unavailable | Refused) -> ResolveFailed:
    if isinstance(got, NotFound):
        return ResolveFailed("not_found", f"no WebFinger answer at {got.url}")
    if isinstance(got, Gone):
        return ResolveFailed("gone", f"account gone at {got.url}")
    if isinstance(got, Unavailable):
        return ResolveFailed("unavailable", got.reason)
    return ResolveFailed("refused", got.reason)


def _as_links(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [link for link in value if isinstance(link, dict)]


def _is_actor_link(link: Mapping[str, Any]) -> bool:
    media_type = link.get("type")
    return (
        link.get("rel") == REL_SELF
        and isinstance(media_type, str)
        and is_ap_media_type(media_type)
        and _is_http_url(link.get("href"))
    )


def _link_type(link: Mapping[str, Any]) -> str | None:
    properties = link.get("properties")
    if not isinstance(properties, dict):
        return None
    value = properties.get(PROP_TYPE)
    return value if isinstance(value, str) else None


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
