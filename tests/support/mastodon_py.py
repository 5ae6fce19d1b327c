"""Mastodon.py, a client no one here wrote: an app registered on a node, and signed in by the
password grant as a person would sign in to it. Mastodon.py is synchronous: async tests call
these through asyncio.to_thread."""

from __future__ import annotations

from mastodon import Mastodon

from tests.support.people import PASSWORD

SCOPES = ["read", "write", "follow"]


def mastodon_app(
    base_url: str, name: str, scopes: list[str] = SCOPES, *, check_versions: bool = False
) -> Mastodon:
    """A registered app, signed in as no one (`check_versions`: refuse calls the node's
    advertised Mastodon version does not have, as `version_check_mode="created"`)."""
    client_id, client_secret = Mastodon.create_app(name, scopes=scopes, api_base_url=base_url)
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=base_url,
        version_check_mode="created" if check_versions else "none",
        ratelimit_method="throw",
    )


def mastodon_signed_in(
    base_url: str, email: str, name: str, scopes: list[str] = SCOPES, *,
    check_versions: bool = False,
) -> Mastodon:  # fmt: skip
    """An app signed in as the person with this email address (what Mastodon.py logs in
    with), by the password grant."""
    api = mastodon_app(base_url, name, scopes, check_versions=check_versions)
    api.log_in(email, PASSWORD, scopes=scopes, allow_http=True)
    return api
