"""The SSRF guard under `federation.http`: which addresses and URLs outbound requests may use.

Every remote URL is attacker-controlled (interop brief §9.2). The rules: http(s) only, https
unless in loopback test mode, no credentials in URLs, and no forbidden address - neither as an IP
literal nor among *any* of the addresses a name resolves to. `GuardedResolver` applies the
address rule inside aiohttp's connector, on the very addresses it then connects to, so DNS
rebinding between "check" and "connect" cannot slip through (Mastodon checks in its socket
class, `Request::Socket` in app/lib/request.rb).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Final, Literal

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
UrlProblemCode = Literal["url", "scheme", "address"]

# Not globally routable, or not ours to reach. Listed rather than left to `ip.is_global`
# alone, whose answers have shifted between Python releases (CPython gh-113171, gh-65056);
# `is_global` stays as a backstop.
_FORBIDDEN_V4: Final = tuple(
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", incl. 0.0.0.0 (reaches loopback on Linux)
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT (RFC 6598)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast
    )
)
_FORBIDDEN_V6: Final = tuple(
    IPv6Network(n)
    for n in (
        "::/8",  # unspecified, loopback, IPv4-compatible (CVE-2026-46348: `::` reaches loopback)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, incl. Teredo
        "2001:db8::/32",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
_NAT64: Final = IPv6Network("64:ff9b::/96")


def is_forbidden_address(ip: IPAddress | str) -> bool:
    """True if an outbound request must not connect to `ip`.

    IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, 6to4 `2002::/16`, NAT64
    `64:ff9b::/96`) are judged by the IPv4 address they lead to. Unparsable input is forbidden.
    """
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip)
        except ValueError:
            return True
    if isinstance(ip, IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_forbidden_address(embedded)
        return any(ip in net for net in _FORBIDDEN_V6) or not ip.is_global
    return any(ip in net for net in _FORBIDDEN_V4) or not ip.is_global


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which URLs and addresses outbound requests may use.

    `allow_private` is the loopback test mode (COMMONROOM_FEDERATION_LOOPBACK; Fedify's
    `allowPrivateAddress`): every address is allowed. `allowed_networks` lets chosen ranges
    through (Mastodon's ALLOWED_PRIVATE_ADDRESSES), which also lets a test stand a 127.0.0.1
    server in for a public host while every other private address stays refused.
    """

    allow_private: bool = False
    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def permits(self, ip: IPAddress | str) -> bool:
        """May we connect to this address?"""
        if self.allow_private:
            return True
        if isinstance(ip, str):
            try:
                ip = ipaddress.ip_address(ip)
            except ValueError:
                return False
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allowed_networks if net.version == ip.version):
            return True
        return not is_forbidden_address(ip)

    def url_problem(self, url: str | URL) -> tuple[UrlProblemCode, str] | None:
        """What is wrong with `url` short of DNS: scheme, credentials, host, IP literal."""
        try:
            parsed = url if isinstance(url, URL) else URL(url)
        except (TypeError, ValueError):
            return ("url", "unparsable URL")
        if parsed.scheme not in ("http", "https"):
            return ("scheme", f"scheme {parsed.scheme!r} is not http(s)")
        if parsed.scheme == "http" and not self.allow_http:
            return ("scheme", "plain http is refused outside loopback mode")
        if parsed.user is not None or parsed.password is not None:
            return ("url", "credentials in URL")
        host = parsed.raw_host
        if not host:
            return ("url", "no host")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            # A name: judged on its resolved addresses at connect time, once it is one that
            # DNS can carry at all (a longer label makes the IDNA codec raise mid-request).
            return None if is_host_name(host) else ("url", "invalid host name")
        if not self.permits(literal):
            return ("address", f"forbidden address {host}")
        return None


def is_host_name(host: str) -> bool:
    """A name DNS can carry (RFC 1035 §2.3.4): labels of 1 to 63 octets once IDNA-encoded, at
    most 253 in all."""
    try:
        encoded = host.rstrip(".").encode("idna")
    except UnicodeError:
        return False
    labels = encoded.split(b".")
    return 0 < len(encoded) <= 253 and all(0 < len(label) <= 63 for label in labels)


class ForbiddenAddressError(OSError):
    """Raised inside aiohttp's connector when a name resolves to a forbidden address."""


class GuardedResolver(AbstractResolver):
    """Resolves through `inner`, then refuses the whole answer if any address is forbidden.

    aiohttp connects to exactly the addresses returned here, so the check cannot be raced.
    Refusing on *any* bad address rather than dropping it matches Mastodon: a public name that
    also points inside the network is an attack, not a misconfiguration to route around.
    (aiohttp skips the resolver for IP literals; `AddressPolicy.url_problem` covers those.)
    """

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy, *, owns_inner: bool) -> None:
        self._inner = inner
        self._policy = policy
        self._owns_inner = owns_inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not self._policy.permits(result["host"]):
                raise ForbiddenAddressError(
                    f"{host} resolves to forbidden address {result['host']}"
                )
        return results

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()
