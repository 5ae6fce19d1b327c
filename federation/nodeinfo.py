"""NodeInfo 2.0 / 2.1 documents and the `/.well-known/nodeinfo` discovery document.

Shapes follow the schemas at nodeinfo.diaspora.software (FEP-f1d5) and FEP-0151's advice:
usage numbers are optional but `users` must be present, and a count left out is better than
a made-up one (a school node with minors may publish none). Interop brief §2.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

NodeInfoVersion = Literal["2.0", "2.1"]

SOFTWARE_NAME: Final = "commonroom"
SCHEMA_BASE: Final = "http://nodeinfo.diaspora.software/ns/schema/"
# FEP-2677: a link to the instance actor, so it is discoverable without WebFinger.
REL_APPLICATION: Final = "https://www.w3.org/ns/activitystreams#Application"
CONTENT_TYPES: Final[dict[NodeInfoVersion, str]] = {
    "2.0": f'application/json; profile="{SCHEMA_BASE}2.0#"',
    "2.1": f'application/json; profile="{SCHEMA_BASE}2.1#"',
}
# The `megalodon` client library picks its API flavour from `software.name` and throws
# "Unknown SNS" for names it does not know unless `metadata.upstream.name` is "mastodon"
# (megalodon lib/esm/detector.js). Which Mastodon API we follow is the API edge's claim.
DEFAULT_MASTODON_VERSION: Final = "4.3.0"

_SOFTWARE_NAME_RE: Final = re.compile(r"[a-z0-9-]+")  # the schema's ^[a-z0-9-]+$


def content_type(version: NodeInfoVersion) -> str:
    """The Content-Type to serve `version` with (its schema URL as profile)."""
    return CONTENT_TYPES[version]


def render_nodeinfo_links(
    base_url: str, *, instance_actor_url: str | None = None
) -> dict[str, Any]:
    """`/.well-known/nodeinfo`: both schema versions (Mastodon reads either; older peers only
    2.0), plus the FEP-2677 Application link when the instance actor is given."""
    base = base_url.rstrip("/")
    links: list[dict[str, str]] = [
        {"rel": f"{SCHEMA_BASE}{version}", "href": f"{base}/nodeinfo/{version}"}
        for version in ("2.0", "2.1")
    ]
    if instance_actor_url is not None:
        links.append({"rel": REL_APPLICATION, "href": instance_actor_url})
    return {"links": links}


def render_nodeinfo(
    version: NodeInfoVersion,
    *,
    software_version: str,
    open_registrations: bool,
    users_total: int | None,
    active_month: int | None,
    active_halfyear: int | None,
    local_posts: int | None,
    node_name: str,
    node_description: str,
    repository: str | None = None,
    homepage: str | None = None,
    mastodon_version: str = DEFAULT_MASTODON_VERSION,
) -> dict[str, Any]:
    """A NodeInfo document. A count given as None is left out (FEP-0151)."""
    if version not in CONTENT_TYPES:
        raise ValueError(f"unsupported NodeInfo version {version!r}")
    if not software_version:
        raise ValueError("software_version must not be empty")
    software: dict[str, str] = {"name": SOFTWARE_NAME, "version": software_version}
    # 2.0's schema forbids extra properties on `software`; `repository`/`homepage` are 2.1's.
    if version == "2.1":
        software |= _present(repository=repository, homepage=homepage)
    users = _present(total=users_total, activeMonth=active_month, activeHalfyear=active_halfyear)
    usage: dict[str, Any] = {"users": users} | _present(localPosts=local_posts)
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": usage,
        "metadata": {
            "nodeName": node_name,
            "nodeDescription": node_description,
            "upstream": {"name": "mastodon", "version": mastodon_version},
        },
    }


def is_valid_software_name(name: str) -> bool:
    """The schema's `software.name` rule; peers' validators reject anything else."""
    return _SOFTWARE_NAME_RE.fullmatch(name) is not None


def _present(**values: Any) -> dict[str, Any]:
    for key, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise ValueError(f"{key} must not be negative")
    return {key: value for key, value in values.items() if value is not None}
