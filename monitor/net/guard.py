"""The address guard: which IP addresses the crawler must never connect to.

A feed URL comes from configuration or, worse, from a page we fetched; either way it can point at
the monitor's own host, the office LAN or a cloud metadata service (server-side request forgery).
The guard is applied to the *resolved* address right before connecting (see ``client.py``), so a
hostname that resolves to a public address on one lookup and to 127.0.0.1 on the next (DNS
rebinding) is caught too.

IPv6 has several ways to smuggle an IPv4 address inside it (mapped, compatible, NAT64, 6to4,
Teredo); those are unpacked and the embedded IPv4 address judged by the IPv4 rules.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

# Order matters: the first matching network names the reason, so specific ranges come first.
_IPV4_RULES: tuple[tuple[IPv4Network, str], ...] = (
    (IPv4Network("0.0.0.0/32"), "the unspecified address"),
    (IPv4Network("0.0.0.0/8"), "in 0.0.0.0/8, which means “this host” and is never remote"),
    (IPv4Network("127.0.0.0/8"), "a loopback address"),
    (IPv4Network("10.0.0.0/8"), "a private address"),
    (IPv4Network("172.16.0.0/12"), "a private address"),
    (IPv4Network("192.168.0.0/16"), "a private address"),
    (IPv4Network("100.64.0.0/10"), "a carrier-grade NAT (shared) address"),
    (IPv4Network("169.254.0.0/16"), "a link-local address"),
    (IPv4Network("224.0.0.0/4"), "a multicast address"),
    (IPv4Network("255.255.255.255/32"), "the broadcast address"),
    (IPv4Network("240.0.0.0/4"), "a reserved address"),
    (IPv4Network("192.0.0.0/24"), "reserved for IETF protocol assignments"),
    (IPv4Network("192.0.2.0/24"), "reserved for documentation"),
    (IPv4Network("198.51.100.0/24"), "reserved for documentation"),
    (IPv4Network("203.0.113.0/24"), "reserved for documentation"),
    (IPv4Network("198.18.0.0/15"), "reserved for network benchmarks"),
    (IPv4Network("192.88.99.0/24"), "a deprecated 6to4 relay address"),
)

_NAT64_WELL_KNOWN = IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
_SIXTOFOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_IPV4_TRANSLATED = IPv6Network("::ffff:0:0:0/96")

_IPV6_RULES: tuple[tuple[IPv6Network, str], ...] = (
    (IPv6Network("::/128"), "the unspecified address"),
    (IPv6Network("::1/128"), "a loopback address"),
    (IPv6Network("fe80::/10"), "a link-local address"),
    (IPv6Network("fec0::/10"), "a site-local address"),
    (IPv6Network("fc00::/7"), "a unique local (private) address"),
    (IPv6Network("ff00::/8"), "a multicast address"),
    (IPv6Network("100::/64"), "a discard-only address"),
    (IPv6Network("2001:db8::/32"), "reserved for documentation"),
    (IPv6Network("2001:10::/28"), "a deprecated ORCHID address"),
    (IPv6Network("2001::/23"), "reserved for IETF protocol assignments"),
)


def blocked_reason(ip: IPAddress) -> str | None:
    """Return why the crawler must not connect to ``ip``, or ``None`` when it is a public address.

    The reason is a plain sentence naming the address, e.g. ``"127.0.0.1 is a loopback address"``,
    fit to show an officer in the sources table.
    """
    if isinstance(ip, IPv4Address):
        reason = _ipv4_reason(ip)
        return None if reason is None else f"{ip} is {reason}"
    return _ipv6_reason(ip)


def _ipv4_reason(ip: IPv4Address) -> str | None:
    for network, reason in _IPV4_RULES:
        if ip in network:
            return reason
    # Catch-all for whatever IANA adds to the special-purpose registry after this table was written.
    if not ip.is_global or ip.is_reserved or ip.is_multicast:
        return "not a public internet address"
    return None


def _embedded(ip: IPv6Address, v4: IPv4Address, how: str) -> str | None:
    """Judge an IPv6 address by the IPv4 address it carries; ``how`` names the embedding."""
    reason = _ipv4_reason(v4)
    if reason is None:
        return None
    return f"{ip} is {how} {v4}, which is {reason}"


def _ipv6_reason(ip: IPv6Address) -> str | None:
    # Drop any zone ("%eth0") so membership tests and messages see the bare address.
    bare = IPv6Address(ip.packed)
    mapped = bare.ipv4_mapped
    if mapped is not None:
        return _embedded(bare, mapped, "an IPv4-mapped address for")
    if bare in _IPV4_TRANSLATED:
        v4 = IPv4Address(bare.packed[-4:])
        return f"{bare} is an IPv4-translated (SIIT) address for {v4}, which we never contact"
    if bare in _NAT64_WELL_KNOWN:
        return _embedded(bare, IPv4Address(bare.packed[-4:]), "a NAT64 address for")
    if bare in _NAT64_LOCAL:
        return f"{bare} is in the local-use NAT64 range 64:ff9b:1::/48, which only leads inside"
    if bare in _SIXTOFOUR:
        sixtofour = bare.sixtofour
        assert sixtofour is not None  # every address in 2002::/16 carries one
        return _embedded(bare, sixtofour, "a 6to4 address for")
    if bare in _TEREDO:
        teredo = bare.teredo
        assert teredo is not None  # every address in 2001::/32 carries one
        server, client = teredo
        return (
            f"{bare} is a Teredo tunnel address (server {server}, client {client}); "
            "tunnels can reach any IPv4 address, so they are never contacted"
        )
    for network, reason in _IPV6_RULES:
        if bare in network:
            return f"{bare} is {reason}"
    if bare in _IPV4_COMPATIBLE:
        v4 = IPv4Address(bare.packed[-4:])
        return f"{bare} is a deprecated IPv4-compatible address (for {v4}), which we never contact"
    if not bare.is_global or bare.is_reserved:
        return f"{bare} is not a public internet address"
    return None


def parse_ip(text: str) -> IPAddress | None:
    """Return ``text`` as an IP address (brackets and zone allowed), or ``None`` for a hostname."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
