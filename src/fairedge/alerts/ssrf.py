"""Where an alert's webhook may point: the guard against server-side request forgery (SSRF).

In production (``ENVIRONMENT=production``) a webhook URL must be ``https`` and every address its host
resolves to must be public: loopback, private, link-local (cloud metadata at 169.254.169.254), shared
(100.64/10), multicast, reserved and unspecified ranges are refused, in IPv4 and IPv6, including IPv4
addresses carried inside IPv6 (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64). Networks listed in
``ALERT_WEBHOOK_ALLOWED_NETWORKS`` are exempt (an operator's internal relay; ``http`` is allowed there).

The check runs when an alert is saved and again when a webhook is called, after DNS resolution: the request
then connects to the address that was checked (:class:`PinnedTransport`), so a name that resolves to a
public address at the check and to a private one a moment later (DNS rebinding) reaches nothing. Redirects
are never followed. Outside production every address is allowed (a receiver on the laptop).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import certifi
import httpcore
import httpx

from fairedge.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not global, not "private" either


class UnsafeWebhook(InvalidInput):
    """A webhook URL that points where FairEdge must not send requests."""


RESOLVE_TIMEOUT_SECONDS = 3.0
# getaddrinfo cannot be interrupted: it runs in these threads, and a caller waits at most the timeout.
_resolvers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fairedge-alert-dns")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (literal IPs, decimal forms included), within
    ``RESOLVE_TIMEOUT_SECONDS``: a slow DNS server never holds a request or the delivery job."""
    future = _resolvers.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_TIMEOUT_SECONDS)
    except (socket.gaierror, UnicodeError, FutureTimeout) as exc:
        raise UnsafeWebhook(
            f"webhook host {host!r} does not resolve", details=[{"parameter": "webhook_url"}]
        ) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class WebhookPolicy:
    """Whether the guard applies (production), which networks it exempts, and how names resolve."""

    enforce: bool
    allowed_networks: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def build(
        cls, *, production: bool, allowed: Iterable[str] = (), resolver: Resolver | None = None
    ) -> WebhookPolicy:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in allowed)
        return cls(production, networks, resolver or system_resolver)

    def allowed(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allowed_networks)

    def check_url(self, url: str) -> httpx.URL:
        """The URL parsed; refused when malformed, or (production) not https or to a literal unsafe IP."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise UnsafeWebhook(f"webhook URL is not a URL: {exc}", details=_detail()) from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise UnsafeWebhook("webhook URL must be an http(s) URL with a host", details=_detail())
        if parsed.userinfo:
            raise UnsafeWebhook("webhook URL must not carry a user name or password", details=_detail())
        if not self.enforce:
            return parsed
        literal = _literal(parsed.host)
        if literal is not None:
            self._check_address(parsed.host, literal)
        if parsed.scheme != "https" and not (literal is not None and self.allowed(literal)):
            raise UnsafeWebhook("webhook URL must use https", details=_detail())
        return parsed

    def resolve(self, url: httpx.URL) -> str:
        """The address to connect to for ``url``: every address its host resolves to is checked (one bad
        address refuses the host), and the first is the one the request will use."""
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = self.resolver(url.host, port)
        if not addresses:
            raise UnsafeWebhook(f"webhook host {url.host!r} does not resolve", details=_detail())
        if self.enforce:
            for address in addresses:
                self._check_address(url.host, ipaddress.ip_address(address.split("%", 1)[0]))
            if url.scheme != "https" and not all(self.allowed(ipaddress.ip_address(a)) for a in addresses):
                raise UnsafeWebhook("webhook URL must use https", details=_detail())
        return addresses[0]

    def _check_address(self, host: str, address: IPAddress) -> None:
        if self.allowed(address):
            return
        reason = unsafe_reason(address)
        if reason is not None:
            raise UnsafeWebhook(
                f"webhook host {host!r} is a {reason} address; webhooks must reach the public internet",
                details=[{"parameter": "webhook_url", "reason": reason}],
            )

    def check_before_save(self, url: str) -> httpx.URL:
        """At save time: the URL's shape, and (production) where its host resolves now."""
        parsed = self.check_url(url)
        if self.enforce:
            self.resolve(parsed)
        return parsed


def _detail() -> list[dict[str, Any]]:
    return [{"parameter": "webhook_url"}]


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def unsafe_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be reached from the server, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return unsafe_reason(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private or address in _SHARED),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if address.is_global else "reserved"


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections to ``host`` at the checked ``address`` only; any other host is refused."""

    def __init__(self, host: str, address: str) -> None:
        self._host, self._address = host, address
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host.strip("[]") != self._host.strip("[]"):
            raise httpcore.ConnectError(f"connection to {host!r} refused: not the checked webhook host")
        return self._backend.connect_tcp(self._address, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002 - the interface's
        timeout: float | None = None,  # noqa: ARG002
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not webhooks")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting to one checked address for one host. TLS still verifies the
    certificate against the host name (SNI and the Host header keep the name; only the TCP peer is pinned).
    No proxy from the environment: a proxy would resolve the name again."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(trust_env=False, retries=0)
        # httpx builds its httpcore pool without a choice of network backend; this one is the same pool
        # with the pinning backend (httpcore's public ConnectionPool API).
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=1,
            network_backend=_PinnedBackend(host, address),
        )


def mask_url(url: str) -> str:
    """The URL as logs and the API show it: scheme, host and port; the path and query (where Discord and
    Slack put the webhook's token) hidden."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "<invalid url>"
    port = f":{parsed.port}" if parsed.port else ""
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    hidden = "/…" if parsed.raw_path not in (b"", b"/") else "/"
    return f"{parsed.scheme}://{host}{port}{hidden}"
