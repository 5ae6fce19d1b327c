"""OAuth2 rules for the client API: scopes, redirect URIs, PKCE, and the errors of RFC 6749.

Scopes follow Mastodon (docs `api/oauth-scopes.md`): the top-level `read`, `write`, `follow`,
`push`, `profile` and the granular `read:statuses`, `write:media` and so on. A granted top-level
scope covers its granular ones; the legacy `follow` covers reading and writing follows, blocks
and mutes. Unknown granular scopes under a known parent are accepted and cover only themselves.
No I/O here; secrets are made with `secrets` and stored as SHA-256 (the services do that).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, NewType
from urllib.parse import urlsplit

from node.domain.errors import DomainError

OOB: Final = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME: Final = timedelta(minutes=10)
DEFAULT_SCOPES: Final = frozenset({"read"})
TOP_LEVEL: Final = frozenset({"read", "write", "follow", "push", "profile"})
ADMIN: Final = frozenset({"admin:read", "admin:write"})
# What the legacy `follow` scope stands for (Mastodon's `follow` before 3.5).
FOLLOW_COVERS: Final = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)
GRANULAR: Final = frozenset(
    {f"read:{name}" for name in ("accounts", "blocks", "bookmarks", "favourites", "filters",
                                 "follows", "lists", "mutes", "notifications", "search",
                                 "statuses")}
    | {f"write:{name}" for name in ("accounts", "blocks", "bookmarks", "conversations",
                                    "favourites", "filters", "follows", "lists", "media",
                                    "mutes", "notifications", "reports", "statuses")}
)  # fmt: skip
GRANT_TYPES: Final = ("authorization_code", "password", "client_credentials", "refresh_token")
MAX_SCOPES: Final = 40
MAX_REDIRECT_URIS: Final = 20
MAX_REDIRECT_URI: Final = 2000
MAX_APP_NAME: Final = 200
_SCOPE: Final = re.compile(r"^(read|write|admin:read|admin:write):[a-z_]{1,40}$")
_SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_REFUSED_SCHEMES: Final = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})
_VERIFIER: Final = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")

AppId = NewType("AppId", int)
TokenId = NewType("TokenId", int)


class OAuthError(DomainError):
    """An OAuth2 error answer (RFC 6749 §5.2): `error` is the code clients switch on."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def invalid_scope(description: str) -> OAuthError:
    return OAuthError("invalid_scope", description)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_client(description: str = "client authentication failed") -> OAuthError:
    return OAuthError("invalid_client", description, 401)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


@dataclass(frozen=True, slots=True)
class OAuthApp:
    id: AppId
    client_id: str
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    """An app just registered: the only time its client secret is known in clear."""

    app: OAuthApp
    client_secret: str


@dataclass(frozen=True, slots=True)
class Grant:
    """What a presented access token may do: act for `account_id` (None: the app alone)."""

    token_id: TokenId
    app: OAuthApp
    account_id: int | None
    scopes: frozenset[str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token response (RFC 6749 §5.1); the clear values exist only in this answer."""

    access_token: str
    refresh_token: str | None
    scopes: frozenset[str]
    created_at: datetime


# -- Scopes ---------------------------------------------------------------------------------


def parse_scopes(value: str | Iterable[str] | None, *, default: frozenset[str] = DEFAULT_SCOPES
                 ) -> frozenset[str]:  # fmt: skip
    """Scopes from a space- (or comma-, or `+`-) separated string or a list; invalid_scope names
    the first one we do not know."""
    if value is None:
        return default
    words = value.replace(",", " ").replace("+", " ").split() if isinstance(value, str) else [
        word for item in value for word in str(item).split()
    ]  # fmt: skip
    if not words:
        return default
    if len(words) > MAX_SCOPES:
        raise invalid_scope("too many scopes")
    for word in words:
        if word not in TOP_LEVEL and word not in ADMIN and not _SCOPE.match(word):
            raise invalid_scope(f"the scope {word[:60]!r} is not one we know")
    return frozenset(words)


def allows(granted: frozenset[str], needed: str) -> bool:
    """Whether a token with `granted` scopes may do what needs `needed` (e.g. read:statuses)."""
    if needed in granted:
        return True
    parent = needed.rsplit(":", 1)[0] if ":" in needed else None
    if parent is not None and parent in granted:
        return True
    return needed in FOLLOW_COVERS and "follow" in granted


def covers(granted: frozenset[str], requested: frozenset[str]) -> bool:
    """Whether an app registered with `granted` may ask for every scope in `requested`."""
    return all(allows(granted, scope) for scope in requested)


def scope_text(scopes: Iterable[str]) -> str:
    """The space-separated form of token responses, in a stable order (top-level first)."""
    return " ".join(sorted(scopes, key=lambda s: (":" in s, s)))


# -- Redirect URIs --------------------------------------------------------------------------


def parse_redirect_uris(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Newline-separated (Mastodon < 4.3) or a list (4.3+). Each is the out-of-band URN or an
    absolute URI without a fragment: https or http, or an app's own scheme such as
    `com.tapbots.Ivory.10217:/request_token` (interop brief §10.2)."""
    if value is None:
        raise invalid_request("redirect_uris is required")
    items = value.split() if isinstance(value, str) else [str(v).strip() for v in value]
    uris = tuple(dict.fromkeys(u for u in items if u))
    if not uris:
        raise invalid_request("redirect_uris is required")
    if len(uris) > MAX_REDIRECT_URIS:
        raise invalid_request(f"register at most {MAX_REDIRECT_URIS} redirect URIs")
    for uri in uris:
        check_redirect_uri(uri)
    return uris


def check_redirect_uri(uri: str) -> None:
    if uri == OOB:
        return
    if len(uri) > MAX_REDIRECT_URI or any(ch.isspace() or ord(ch) < 32 for ch in uri):
        raise invalid_request("a redirect URI is too long or has spaces in it")
    scheme, sep, rest = uri.partition(":")
    if not sep or not _SCHEME.match(scheme) or not rest:
        raise invalid_request(f"{uri[:80]!r} is not an absolute URI")
    if scheme.lower() in _REFUSED_SCHEMES:
        raise invalid_request(f"{scheme}: URIs cannot be redirect URIs")
    if "#" in uri:
        raise invalid_request("a redirect URI cannot have a fragment")
    if scheme.lower() in {"http", "https"}:
        try:
            host = urlsplit(uri).hostname
        except ValueError:
            host = None
        if not host:
            raise invalid_request(f"{uri[:80]!r} has no host")


def redirect_allowed(app: OAuthApp, redirect_uri: str | None) -> str:
    """The redirect URI to use: the one asked for, which must be registered exactly; with none
    given, the app's only one (RFC 6749 §3.1.2.3)."""
    if not redirect_uri:
        if len(app.redirect_uris) == 1:
            return app.redirect_uris[0]
        raise invalid_request("redirect_uri is required for an app with several")
    if redirect_uri not in app.redirect_uris:
        raise invalid_grant("redirect_uri does not match one the app registered")
    return redirect_uri


# -- PKCE (RFC 7636), S256 only as Mastodon 4.3 -----------------------------------------------


def check_challenge(challenge: str | None, method: str | None) -> str | None:
    """A code challenge to store with the code (None: the client does not use PKCE)."""
    if not challenge:
        if method:
            raise invalid_request("code_challenge_method without code_challenge")
        return None
    if (method or "plain") != "S256":
        raise invalid_request("only code_challenge_method=S256 is supported")
    if not re.match(r"^[A-Za-z0-9_-]{43}$", challenge):
        raise invalid_request("code_challenge is not a base64url SHA-256")
    return challenge


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True  # the code was issued without PKCE; a stray verifier changes nothing
    if not verifier or not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(challenge_of(verifier), challenge)


# -- Secrets --------------------------------------------------------------------------------


def clean_app_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise OAuthError("invalid_request", "client_name is required", 422)
    if len(text) > MAX_APP_NAME:
        raise OAuthError("invalid_request", f"client_name is longer than {MAX_APP_NAME}", 422)
    return text


def clean_website(website: str | None) -> str | None:
    text = (website or "").strip()
    if not text:
        return None
    if len(text) > MAX_REDIRECT_URI or not text.startswith(("https://", "http://")):
        raise OAuthError("invalid_request", "website must be an http(s) URL", 422)
    return text
