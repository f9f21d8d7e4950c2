"""Which addresses a worker may fetch: public ones only, checked after DNS resolution.

Example::

    >>> refused_reason("169.254.169.254")
    'link-local address 169.254.169.254'
    >>> refused_reason("::ffff:127.0.0.1")
    'loopback address 127.0.0.1 (in ::ffff:7f00:1)'
    >>> refused_reason("93.184.215.14") is None
    True

Workers run inside data centres, where a URL (a link on a crawled page, a
redirect) naming ``localhost``, ``10.0.0.7`` or the cloud's metadata service
``169.254.169.254`` would reach what the crawl has no business reading. A
host name is resolved and every address it resolves to must be public; an IPv6
address that carries an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, 6to4
``2002::/16``, NAT64 ``64:ff9b::/96``) is judged by the IPv4 inside.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The host resolves to an address workers may not fetch"""


class UnresolvableHost(Exception):
    """The host name does not resolve"""


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any.

    >>> embedded_ipv4(ipaddress.ip_address("64:ff9b::a9fe:a9fe"))
    IPv4Address('169.254.169.254')
    """
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refused_reason(address: str | IPAddress, allowed: Iterable[Network] = ()) -> str | None:
    """Why a worker may not connect to ``address`` (an IP literal), or None if it may."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if any(ip in net for net in allowed):
        return None
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = refused_reason(inner, allowed)
        return f"{reason} (in {ip})" if reason else None
    if ip.is_loopback:
        kind = "loopback"
    elif ip.is_link_local:
        kind = "link-local"  # 169.254.169.254 and fe80::/10; the metadata services live here
    elif ip.is_multicast:
        kind = "multicast"
    elif ip.is_unspecified:
        kind = "unspecified"  # connecting to 0.0.0.0 reaches this machine
    elif ip.is_private or not ip.is_global:
        kind = "private"  # RFC 1918, fc00::/7, 100.64/10 and the other non-global ranges
    else:
        return None
    return f"{kind} address {ip}"


def resolve(host: str, port: int = 80) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal: itself)."""
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"{host}: does not resolve ({exc})") from None
    seen: dict[str, IPAddress] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%")[0]  # drop an IPv6 zone (fe80::1%eth0)
        seen.setdefault(text, ipaddress.ip_address(text))
    return list(seen.values())


def check_host(host: str, port: int = 80, *, allowed: Iterable[Network] = ()) -> list[IPAddress]:
    """Resolve ``host``; raise :class:`AddressRefused` if any address is not public.

    Any, not all: the connection may use any of them.

    >>> check_host("localhost")
    Traceback (most recent call last):
    ...
    crawler.cluster.addresses.AddressRefused: localhost resolves to loopback address 127.0.0.1
    """
    allowed = list(allowed)
    addresses = resolve(host, port)
    for ip in addresses:
        reason = refused_reason(ip, allowed)
        if reason is not None:
            shown = host.strip("[]")
            prefix = "" if shown == str(ip) else f"{shown} resolves to "
            raise AddressRefused(f"{prefix}{reason}")
    return addresses


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Networks from settings ("127.0.0.1/32", "::1"); a bad one is a ValueError naming it."""
    out: list[Network] = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {value!r}") from None
    return out
