"""ActivityStreams vocabulary: constants, contexts and JSON shape helpers.

Everything here is pure and shared by `parse` (inbound) and `render` (outbound). The helpers
exist because AS2 JSON is written by many hands: a property may be a string, an object with an
`id`, or a list of either, and peers use all three (GoToSocial sends single values unwrapped,
docs/federation/posts.md; Lemmy wraps them; Mastodon mixes).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal
from urllib.parse import urlsplit

AS2_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT: Final = "https://w3id.org/security/v1"

# The public collection. Mastodon's forwarding patcher exists because old servers wrote it as
# `as:Public` or `Public`; all three spellings mean the same thing (interop brief §3.3).
PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES: Final = frozenset({PUBLIC, "as:Public", "Public"})

AP_CONTENT_TYPE: Final = "application/activity+json"
LD_CONTENT_TYPE: Final = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# What we accept on fetched documents and inbox POSTs (Mastodon's `valid_activitypub_content_type?`
# in app/helpers/jsonld_helper.rb): activity+json, or ld+json *with* the AS2 profile.
ACCEPTED_CONTENT_TYPES: Final = (AP_CONTENT_TYPE, LD_CONTENT_TYPE)
# The Accept header for outbound fetches (Mastodon's `build_request` sends both).
ACCEPT_HEADER: Final = f"{AP_CONTENT_TYPE}, {LD_CONTENT_TYPE}"

ACTOR_TYPES: Final = frozenset({"Person", "Group", "Application", "Service", "Organization"})
ActorType = Literal["Person", "Group", "Application", "Service", "Organization"]

# The one extension map we emit, written once (interop brief §3.3): Mastodon's terms, schema.org
# profile fields with Mastodon's de-facto `http://schema.org#` base, litepub's directMessage
# (Pleroma/Akkoma DMs), Lemmy's group terms (crates/apub/assets/lemmy/context.json) and the
# Mobilizon event terms we send (docs/contribute/activity_pub.md).
EXTENSION_TERMS: Final[Mapping[str, Any]] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "memorial": "toot:memorial",
    "suspended": "toot:suspended",
    "Emoji": "toot:Emoji",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "ostatus": "http://ostatus.org#",
    "conversation": "ostatus:conversation",
    "litepub": "http://litepub.social/ns#",
    "directMessage": "litepub:directMessage",
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
    "stickied": "lemmy:stickied",
    "mz": "https://joinmobilizon.org/ns#",
    "timezone": "mz:timezone",
    "joinMode": "mz:joinMode",
    # Ours: a group whose content is for its members only (FEDERATION.md "Groups").
    "membersOnly": "urn:commonroom:ns#membersOnly",
}


def ap_context() -> list[Any]:
    """A fresh `@context` value for a document we emit (callers may mutate their copy)."""
    return [AS2_CONTEXT, SECURITY_CONTEXT, copy.deepcopy(dict(EXTENSION_TERMS))]


def is_public(address: str) -> bool:
    """True for any spelling of the public collection."""
    return address in PUBLIC_ALIASES


def is_ap_media_type(content_type: str) -> bool:
    """True if a Content-Type (or one Accept entry) names ActivityPub JSON.

    `application/activity+json` with any parameters, or `application/ld+json` whose `profile`
    lists the AS2 URL (a profile may be a space-separated list, JSON-LD 1.1 §9). Bare
    `application/json` and bare `application/ld+json` are refused, as Mastodon 4.2.5+ does.
    """
    media_type, _, raw_params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == AP_CONTENT_TYPE:
        return True
    if media_type != "application/ld+json":
        return False
    for param in raw_params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile":
            profiles = value.strip().strip('"').split()
            return AS2_CONTEXT in profiles
    return False


def as_list(value: Any) -> list[Any]:
    """A property as a list: absent/None -> [], a list as-is, anything else wrapped."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def get_id(value: Any) -> str | None:
    """The id of a reference: the string itself, or an object's `id`; None otherwise."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        inner = value.get("id")
        if isinstance(inner, str) and inner:
            return inner
    return None


def host_of(url: str) -> str:
    """`host[:port]` of a URL, lower-cased, default ports dropped; "" if it has no host.

    Used for same-origin checks (Mastodon's `non_matching_uri_hosts?`), so `HTTPS://A.example:443/x`
    and `https://a.example/y` compare equal.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if port is None or port == default:
        return host
    return f"{host}:{port}"


Visibility = Literal["public", "unlisted", "followers", "limited", "direct"]


def visibility_of(
    to: Sequence[str], cc: Sequence[str], followers_url: str | None, mentioned: Sequence[str]
) -> Visibility:
    """Classify an inbound post's audience the way Mastodon does (interop brief §5.2).

    public: Public in `to`; unlisted: Public in `cc`; followers: the author's followers collection
    addressed; direct: only explicit actors, all of them mentioned; limited: explicit actors, at
    least one not mentioned (Mastodon's `status_parser.rb` visibility).
    """
    if any(is_public(a) for a in to):
        return "public"
    if any(is_public(a) for a in cc):
        return "unlisted"
    if followers_url is not None and followers_url in (*to, *cc):
        return "followers"
    addressed = set(to) | set(cc)
    if addressed and addressed <= set(mentioned):
        return "direct"
    return "limited"
