"""The client's IP address behind reverse proxies, believed only from proxies we trust.

``X-Forwarded-For`` is a list each proxy appends the address it saw to, so only its right end is written by
proxies we run; anything to the left may come from the client. The rule (the rightmost untrusted address):
if the TCP peer is a trusted proxy, walk the header from the right, skipping trusted proxies, and the first
address that is not one is the client. A client that prepends fake addresses only adds entries to the left of
the one our proxy wrote. If the peer is not trusted, the header is ignored: anyone can send it.

``"*"`` trusts every peer (as uvicorn's ``FORWARDED_ALLOW_IPS=*`` does) but names no proxy address, so the
walk stops at the header's last entry: what the peer saw. (uvicorn takes the *first* entry in that case,
which the client controls whenever the proxy appends rather than overwrites.) Behind a chain of proxies, list
their addresses or networks instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """The peers whose ``X-Forwarded-For`` is believed (parsed once from ``FORWARDED_ALLOW_IPS``)."""

    networks: tuple[IPNetwork, ...] = ()
    any_peer: bool = False

    @classmethod
    def parse(cls, entries: Iterable[str]) -> TrustedProxies:
        """Parse IPs, CIDRs (``10.0.0.0/8``) and ``*``; a bad entry raises ``ValueError`` naming it.

        Unlike uvicorn, which keeps an unparsable entry as a literal that silently never matches an address,
        a typo here stops the app at start.
        """
        networks: list[IPNetwork] = []
        any_peer = False
        for raw in entries:
            entry = raw.strip()
            if entry == "*":
                any_peer = True
                continue
            try:
                # Strict: "10.0.0.1/8" (host bits set) is more likely a typo than a network to trust.
                networks.append(ip_network(entry))
            except ValueError:
                raise ValueError(f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network") from None
        return cls(tuple(networks), any_peer)

    def is_proxy(self, address: IPAddress) -> bool:
        """Whether the address is one of the listed proxies (``*`` lists none)."""
        return any(address in network for network in self.networks)

    def trusts_peer(self, peer: IPAddress | None) -> bool:
        return self.any_peer or (peer is not None and self.is_proxy(peer))


def client_ip(peer: str | None, forwarded_for: str | None, trusted: TrustedProxies) -> str:
    """The client's address: from ``forwarded_for`` when ``peer`` is trusted, else the peer itself.

    The walk stops at an entry that is not an address (``unknown``, garbage): what lies to its left cannot be
    trusted, so the answer is the last valid address passed, or the peer when there is none. Addresses come
    back in canonical form (IPv4-mapped IPv6 as IPv4), so rate-limit keys do not depend on spelling; a peer
    that is not an IP address (a test client, a socket path) comes back as given, or "" when there is none.
    """
    peer_address = _parse(peer) if peer else None
    fallback = str(peer_address) if peer_address is not None else (peer or "")
    if not forwarded_for or not trusted.trusts_peer(peer_address):
        return fallback
    client = fallback
    for entry in reversed(forwarded_for.split(",")):
        hop = _parse(entry)
        if hop is None:
            break
        client = str(hop)
        if not trusted.is_proxy(hop):
            break
    return client


def _parse(text: str) -> IPAddress | None:
    """An address from a header entry or peer: bare, ``[v6]``, ``[v6]:port`` or ``v4:port``; else None."""
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        text = host
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
