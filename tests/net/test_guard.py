"""The address guard, address by address."""

from __future__ import annotations

import ipaddress

import pytest

from monitor.net.guard import blocked_reason, parse_ip

BLOCKED = [
    # (address, words the reason must contain)
    ("127.0.0.1", "127.0.0.1 is a loopback address"),
    ("127.255.255.254", "loopback"),
    ("0.0.0.0", "0.0.0.0 is the unspecified address"),
    ("0.1.2.3", "this host"),
    ("10.0.0.1", "10.0.0.1 is a private address"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "192.168.1.1 is a private address"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("169.254.169.254", "169.254.169.254 is a link-local address"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("240.0.0.1", "reserved"),
    ("192.0.0.8", "IETF protocol assignments"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("198.18.0.1", "benchmarks"),
    ("192.88.99.1", "6to4 relay"),
    ("::1", "::1 is a loopback address"),
    ("::", ":: is the unspecified address"),
    ("fe80::1", "fe80::1 is a link-local address"),
    ("febf:ffff::1", "link-local"),
    ("fec0::1", "site-local"),
    ("fc00::1", "unique local"),
    ("fd12:3456:789a::1", "unique local"),
    ("ff02::1", "multicast"),
    ("100::1", "discard-only"),
    ("2001:db8::1", "documentation"),
    ("2001:10::1", "ORCHID"),
    # IPv4 inside IPv6
    ("::ffff:127.0.0.1", "::ffff:7f00:1 is an IPv4-mapped address for 127.0.0.1, which is a loop"),
    ("::ffff:10.1.2.3", "IPv4-mapped address for 10.1.2.3, which is a private address"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::127.0.0.1", "deprecated IPv4-compatible address (for 127.0.0.1)"),
    ("::8.8.8.8", "deprecated IPv4-compatible address (for 8.8.8.8)"),
    ("::ffff:0:127.0.0.1", "IPv4-translated"),
    ("64:ff9b::127.0.0.1", "NAT64 address for 127.0.0.1, which is a loopback address"),
    ("64:ff9b::a9fe:a9fe", "NAT64 address for 169.254.169.254"),
    ("64:ff9b::192.168.0.1", "NAT64 address for 192.168.0.1, which is a private address"),
    ("64:ff9b:1::8.8.8.8", "local-use NAT64"),
    ("64:ff9b:1:ffff::1", "local-use NAT64"),
    ("2002:7f00:1::", "6to4 address for 127.0.0.1, which is a loopback address"),
    ("2002:a00:1::1", "6to4 address for 10.0.0.1"),
    ("2002:c0a8:101::", "6to4 address for 192.168.1.1"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo tunnel address"),
    ("2001::1", "Teredo"),
    ("4000::1", "not a public internet address"),  # unassigned IANA space
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "203.162.4.190",  # a Vietnamese address
    "172.15.255.255",  # just below 172.16/12
    "172.32.0.1",  # just above it
    "100.63.255.255",  # just below 100.64/10
    "100.128.0.1",  # just above it
    "169.253.255.255",
    "11.0.0.1",
    "192.167.255.255",
    "2001:4860:4860::8888",
    "2606:4700:4700::1111",
    "2404:6800:4005:80a::200e",
    "::ffff:8.8.8.8",  # mapped public address: same as connecting to 8.8.8.8
    "64:ff9b::8.8.8.8",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize(("address", "words"), BLOCKED)
def test_blocked(address: str, words: str) -> None:
    reason = blocked_reason(ipaddress.ip_address(address))

    assert reason is not None, f"{address} should be blocked"
    assert words in reason


@pytest.mark.parametrize("address", ALLOWED)
def test_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_reason_names_the_address_in_plain_words() -> None:
    assert blocked_reason(ipaddress.ip_address("127.0.0.1")) == "127.0.0.1 is a loopback address"
    assert blocked_reason(ipaddress.ip_address("10.1.2.3")) == "10.1.2.3 is a private address"


def test_zone_index_does_not_hide_link_local() -> None:
    reason = blocked_reason(ipaddress.IPv6Address("fe80::1%eth0"))

    assert reason == "fe80::1 is a link-local address"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.com", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_parse_ip(text: str, expected: str | None) -> None:
    ip = parse_ip(text)

    assert (None if ip is None else str(ip)) == expected
