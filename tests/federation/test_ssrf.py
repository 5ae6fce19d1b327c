"""The SSRF guard's address rule (federation.ssrf): which addresses and URLs outbound requests
may use, and the resolver that applies the rule to every address a name resolves to. No
network: names resolve through a static table."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.http import Refused, check_url
from federation.ssrf import (
    AddressPolicy,
    ForbiddenAddressError,
    GuardedResolver,
    is_forbidden_address,
)
from tests.federation.fakes import GUARDED_NAMES, StaticResolver


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "127.255.255.254",  # loopback
        "10.0.0.1",
        "10.255.255.255",  # RFC 1918
        "172.16.0.1",
        "172.31.255.255",
        "192.168.0.1",
        "192.168.255.255",
        "169.254.169.254",
        "169.254.0.1",  # link-local, cloud metadata
        "100.64.0.1",
        "100.127.255.254",  # CGNAT
        "0.0.0.0",
        "0.1.2.3",  # unspecified / "this network"
        "224.0.0.1",
        "239.255.255.250",  # multicast
        "240.0.0.1",
        "255.255.255.255",  # reserved, broadcast
        "192.0.0.8",
        "192.0.2.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "::1",
        "::",  # loopback, unspecified (CVE-2026-46348)
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::127.0.0.1",  # IPv4-compatible
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::1",  # local-use NAT64
        "fe80::1",
        "fe80::1%eth0",
        "febf::1",  # link-local
        "fc00::1",
        "fd12:3456:789a::1",  # unique local
        "fec0::1",  # site-local
        "ff02::1",
        "ff0e::1",  # multicast
        "2001:db8::1",
        "2001::1",
        "100::1",
        "not-an-ip",
        "",
        "999.1.1.1",
    ],
)
def test_forbidden_addresses_are_recognised(ip: str) -> None:
    assert is_forbidden_address(ip)


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "172.15.255.255",
        "172.32.0.1",  # just outside 172.16/12
        "100.63.255.255",
        "100.128.0.1",  # just outside 100.64/10
        "192.169.0.1",
        "169.253.255.255",
        "11.0.0.1",
        "9.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",
        "2002:808:808::",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_are_allowed(ip: str) -> None:
    assert not is_forbidden_address(ip)


def test_address_objects_are_accepted_as_well_as_strings() -> None:
    assert is_forbidden_address(IPv4Address("10.1.2.3"))
    assert not is_forbidden_address(IPv6Address("2606:4700:4700::1111"))


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_ipv6_is_judged_like_the_ipv4_address(ip: IPv4Address) -> None:
    mapped = IPv6Address(f"::ffff:{ip}")

    assert is_forbidden_address(mapped) == is_forbidden_address(ip)


@given(
    st.sampled_from(
        [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "100.64.0.0/10",
        ]
    ).flatmap(lambda net: st.ip_addresses(network=net))
)
def test_every_address_in_the_private_ranges_is_refused_as_a_url(ip: IPv4Address) -> None:
    refused = check_url(f"https://{ip}/users/a", allow_private=False)

    assert isinstance(refused, Refused)
    assert refused.code == "address"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://remote.example/users/a", "scheme"),
        ("ftp://remote.example/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://remote.example/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("https://127.0.0.1/actor", "address"),
        ("https://10.1.2.3/x", "address"),
        ("https://172.16.5.4/", "address"),
        ("https://192.168.0.1/", "address"),
        ("https://169.254.169.254/latest/meta-data/", "address"),
        ("https://100.64.0.1/", "address"),
        ("https://[::1]/", "address"),
        ("https://[::]/", "address"),
        ("https://[::ffff:127.0.0.1]/", "address"),
        ("https://[fe80::1]/", "address"),
        ("https://[fd00::1]/", "address"),
        ("https://0.0.0.0/", "address"),
        ("https://user:secret@remote.example/", "url"),
        ("https:///no-host", "url"),
        ("https://[not-closed/", "url"),
    ],
)
def test_check_url_refuses_what_production_must_never_fetch(url: str, code: str) -> None:
    refused = check_url(url, allow_private=False)

    assert isinstance(refused, Refused)
    assert refused.code == code


@pytest.mark.parametrize(
    "url",
    [
        "https://remote.example/users/a",
        "https://8.8.8.8/x",
        "https://[2606:4700:4700::1111]/",
        "https://remote.example:8443/inbox",
    ],
)
def test_check_url_allows_public_https(url: str) -> None:
    assert check_url(url, allow_private=False) is None


def test_loopback_mode_allows_http_and_private_addresses_but_not_other_schemes() -> None:
    assert check_url("http://127.0.0.1:8081/users/a", allow_private=True) is None
    assert check_url("http://[::1]:8081/", allow_private=True) is None
    refused = check_url("file:///etc/passwd", allow_private=True)
    assert isinstance(refused, Refused)
    assert refused.code == "scheme"


def test_allowed_networks_let_only_their_own_range_through() -> None:
    policy = AddressPolicy(allowed_networks=(IPv4Network("10.20.0.0/16"),))

    assert policy.permits("10.20.1.1")
    assert policy.permits("::ffff:10.20.1.1")
    assert not policy.permits("10.21.0.1")
    assert not policy.permits("127.0.0.1")
    assert not policy.permits("garbage")


async def test_the_resolver_refuses_a_name_if_any_address_is_forbidden() -> None:
    guard = GuardedResolver(StaticResolver(GUARDED_NAMES), AddressPolicy(), owns_inner=False)

    with pytest.raises(ForbiddenAddressError):
        await guard.resolve("mixed.test", 443)
    with pytest.raises(ForbiddenAddressError):
        await guard.resolve("v6loop.test", 443)


async def test_the_resolver_passes_public_answers_through_unchanged() -> None:
    inner = StaticResolver({"remote.example": ["93.184.216.34", "2606:2800:220:1::1"]})
    guard = GuardedResolver(inner, AddressPolicy(), owns_inner=True)

    results = await guard.resolve("remote.example", 443)
    await guard.close()

    assert [r["host"] for r in results] == ["93.184.216.34", "2606:2800:220:1::1"]
