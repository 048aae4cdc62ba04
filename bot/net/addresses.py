"""Which hosts and IP addresses a user-supplied link may reach, checked after DNS resolution.

The rule: only globally routable unicast addresses. Loopback, RFC 1918 and ULA private ranges, link-local
(169.254/16, which holds the cloud metadata service, and fe80::/10), CGNAT 100.64/10, multicast, reserved and
unspecified addresses are refused, and so are IPv6 forms that embed one of them (IPv4-mapped ``::ffff:a.b.c.d``,
6to4, NAT64). A host is refused when ANY of its addresses is, so a name cannot mix a public and a private answer.

``allow_private=True`` (tests, or an intranet deployment that fetches from internal servers) lifts the
private/loopback/link-local rule but never the one for cloud metadata endpoints, multicast or 0.0.0.0.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

from bot.errors import DownloadError
from bot.net.errors import UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"})
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)

_UNRESOLVED = "I couldn't find the server in that link. Check the address."
_BLOCKED = "I can't fetch that link: it points to {what}. Share a public link, or upload the file to Slack instead."


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, in any form the system resolver accepts, else None.

    Besides dotted quads and IPv6 this catches the legacy IPv4 spellings ``inet_aton`` accepts and
    ``ipaddress`` does not: ``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``.
    """
    text = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(text) and any(c.isdigit() for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why this address may not be fetched ("a private network address"…), or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_problem(embedded, allow_private=allow_private)
    if ip in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address (0.0.0.0 or ::)"
    if ip.is_multicast:
        return "a multicast address"
    if allow_private:
        return None
    if ip.is_loopback:
        return "this server itself (a loopback address)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private or ip in _CGNAT or not ip.is_global:
        return "a private network address"
    return None


def check_address(ip: IPAddress, *, allow_private: bool = False) -> None:
    """Raise ``UnsafeURLError`` when ``ip`` may not be fetched."""
    problem = address_problem(ip, allow_private=allow_private)
    if problem:
        raise UnsafeURLError(_BLOCKED.format(what=problem))


def check_host_name(host: str, *, allow_private: bool = False) -> None:
    """Refuse names that are internal by definition, before any DNS query is made."""
    name = host.lower().rstrip(".")
    if name in _METADATA_NAMES:
        raise UnsafeURLError(_BLOCKED.format(what="a cloud metadata service"))
    if allow_private:
        return
    if name == "localhost" or name.endswith((".localhost", ".internal")):
        raise UnsafeURLError(_BLOCKED.format(what="an internal host name"))


def resolve_and_check(
    host: str,
    port: int,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
) -> list[IPAddress]:
    """Every address ``host`` resolves to, after checking each one; raises ``UnsafeURLError`` if any is refused.

    ``resolver`` has ``socket.getaddrinfo``'s signature (tests pass a stub). Addresses keep the resolver's order,
    without repeats. A name that does not resolve gives a ``DownloadError``-family error with a plain message.
    """
    check_host_name(host, allow_private=allow_private)
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(literal, allow_private=allow_private)
        return [literal]
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DownloadError(_UNRESOLVED) from error
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        check_address(ip, allow_private=allow_private)
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise DownloadError(_UNRESOLVED)
    return addresses
